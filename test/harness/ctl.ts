// Runs the real cluster-ctl binary and collects its output.
import { spawn } from 'node:child_process'
import { CTL_BIN, NODE } from './paths.js'

export interface CtlResult {
  code: number
  stdout: string
  stderr: string
}

export interface CtlOptions {
  /** API multiaddress passed as --host */
  host?: string
  input?: string | Uint8Array
  env?: Record<string, string>
  cwd?: string
  timeoutMs?: number
}

export async function runCtl (args: string[], opts: CtlOptions = {}): Promise<CtlResult> {
  const full = opts.host != null ? ['--host', opts.host, ...args] : args
  const child = spawn(NODE, [CTL_BIN, ...full], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => out.push(b))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  if (opts.input != null) child.stdin.end(opts.input)
  else child.stdin.end()
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
  const code = await new Promise<number>(resolve => child.on('close', (c, sig) => resolve(c ?? (sig != null ? 128 : 1))))
  clearTimeout(timer)
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }
}

/** Runs cluster-ctl and fails with its output when it exits non-zero. */
export async function ctlOk (args: string[], opts: CtlOptions = {}): Promise<string> {
  const r = await runCtl(args, opts)
  if (r.code !== 0) throw new Error(`cluster-ctl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  return r.stdout
}
