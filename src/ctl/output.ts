// Where cluster-ctl's results and errors go, with upstream's conventions: results on stdout in
// text or pretty JSON; API errors on stdout too (exit 2, or 1 when no HTTP answer was had);
// local errors as "error <doing>: <message>" on stderr (exit 1; 62 for deadlines, 125 cancels).
import { ApiError, DeadlineExceededError } from './client/errors.js'
import { formatApiError } from './format/text.js'
import { goJson } from './format/json.js'

export interface Io {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

export type Encoding = 'text' | 'json'

/** Thrown to end the command with an exit code once everything has been printed. */
export class ExitError extends Error {
  readonly exitCode: number
  constructor (exitCode: number) {
    super(`exit ${exitCode}`)
    this.name = 'ExitError'
    this.exitCode = exitCode
  }
}

export class Output {
  readonly io: Io
  readonly encoding: Encoding

  constructor (io: Io, encoding: Encoding) {
    this.io = io
    this.encoding = encoding
  }

  /** Prints one response object: pretty JSON, or its text rendering. */
  print<T> (value: T, text: (v: T) => string): void {
    this.io.stdout(this.encoding === 'json' ? goJson(value) : text(value))
  }

  /** Prints every value of a stream as it arrives, then fails with the stream's error if any. */
  async printStream<T> (values: AsyncIterable<T>, text: (v: T) => string): Promise<void> {
    try {
      for await (const v of values) this.print(v, text)
    } catch (err) {
      this.fail(err)
    }
  }

  /** Upstream's formatResponse error branch and checkErr: prints and throws ExitError. */
  fail (err: unknown, doing = ''): never {
    if (err instanceof ExitError) throw err
    if (err instanceof ApiError) {
      this.io.stdout(this.encoding === 'json' ? goJson(err.toJSON()) : formatApiError(err))
      throw new ExitError(err.code === 0 ? 1 : 2)
    }
    // errors about a flag carry what was being done ("parsing metadata")
    const what = doing !== '' ? doing : typeof (err as any)?.doing === 'string' ? (err as any).doing : ''
    this.io.stderr(`error ${what}: ${errorText(err)}\n`)
    if (err instanceof DeadlineExceededError) throw new ExitError(62)
    if ((err as any)?.name === 'AbortError') throw new ExitError(125)
    throw new ExitError(1)
  }
}

function errorText (err: unknown): string {
  if ((err as any)?.name === 'AbortError') return 'context canceled'
  return err instanceof Error ? err.message : String(err)
}
