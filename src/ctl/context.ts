// Global flags of cluster-ctl turned into what every command needs: the output and the client.
// Checks happen in upstream's order (secret, credentials, encoding, hosts) before any command runs.
import { Client } from './client/client.js'
import { ClientError } from './client/errors.js'
import { Output } from './output.js'
import type { Encoding, Io } from './output.js'

export const DEFAULT_HOST = '/ip4/127.0.0.1/tcp/9094'

export interface GlobalOptions {
  host: string
  secret?: string
  https?: boolean
  checkCertificate?: boolean
  encoding: string
  timeout: string
  debug?: boolean
  basicAuth?: string
  forceHttp?: boolean
}

export interface CommandContext {
  out: Output
  client: Client
  /** aborted on SIGINT; every wait and request listens to it */
  signal: AbortSignal
  debug: (msg: string) => void
}

/** user[:password]; everything after the first colon is the password. */
export function parseCredentials (input: string): { username: string, password: string } {
  const i = input.indexOf(':')
  return i < 0 ? { username: input, password: '' } : { username: input.slice(0, i), password: input.slice(i + 1) }
}

/** Builds the command context; local problems print "error …" and throw ExitError(1). */
export async function makeContext (g: GlobalOptions, io: Io, signal: AbortSignal): Promise<CommandContext> {
  const enc = g.encoding
  // errors found before the encoding is known are printed as text
  const early = new Output(io, 'text')
  const debug = g.debug === true ? (msg: string) => { io.stderr(`DEBUG\tcluster-ctl\t${msg}\n`) } : () => {}

  if (g.secret != null && g.secret !== '') {
    const bad = /[^0-9a-fA-F]/.exec(g.secret)
    if (bad != null) {
      const code = bad[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0') ?? ''
      return early.fail(new ClientError(`encoding/hex: invalid byte: U+${code} '${bad[0]}'`), 'parsing secret')
    }
    if (g.secret.length % 2 === 1) return early.fail(new ClientError('encoding/hex: odd length hex string'), 'parsing secret')
  }
  const timeoutSecs = Number(g.timeout)
  if (!/^-?\d+$/.test(String(g.timeout).trim())) {
    return early.fail(new ClientError(`invalid value "${g.timeout}" for flag -timeout: parse error`), 'parsing timeout')
  }
  let ssl = g.https === true
  const { username, password } = parseCredentials(g.basicAuth ?? '')
  if (username !== '' && !ssl && g.forceHttp !== true) {
    io.stderr('WARN\tcluster-ctl\tSSL automatically enabled with basic auth credentials. Set "force-http" to disable\n')
    ssl = true
  }
  if (enc !== 'text' && enc !== 'json') return early.fail(new ClientError('unsupported encoding'))
  const out = new Output(io, enc as Encoding)

  let client: Client
  try {
    client = await Client.create({
      hosts: g.host,
      ssl,
      noVerifyCert: g.checkCertificate === false,
      username: username !== '' ? username : undefined,
      password,
      timeoutMs: timeoutSecs > 0 ? timeoutSecs * 1000 : 0,
      debug,
      secret: g.secret != null && g.secret !== '' ? Buffer.from(g.secret, 'hex') : undefined
    }, signal)
  } catch (err) {
    return out.fail(err, 'parsing host multiaddress')
  }
  return { out, client, signal, debug }
}
