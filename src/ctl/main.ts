// Entry point of the cluster-ctl bin: runs the CLI on the process arguments and exits with
// its code once stdout has been flushed (idle keep-alive sockets must not hold the process).
import { runCli } from './cli.js'
import { programName } from '../common/program-name.js'

// a closed pipe (`cluster-ctl status | head`) ends the program quietly, as SIGPIPE does in Go
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

const controller = new AbortController()
process.once('SIGINT', () => { controller.abort() })

const code = await runCli(process.argv.slice(2), undefined, controller.signal, programName('cluster-ctl'))
process.stdout.write('', () => {
  process.stderr.write('', () => { process.exit(code) })
})
