// Entry point of the cluster-ctl bin: runs the CLI on the process arguments and exits with
// its code once stdout has been flushed (idle keep-alive sockets must not hold the process).
import { runCli } from './cli.js'

const controller = new AbortController()
process.once('SIGINT', () => { controller.abort() })

const code = await runCli(process.argv.slice(2), undefined, controller.signal)
process.stdout.write('', () => {
  process.stderr.write('', () => { process.exit(code) })
})
