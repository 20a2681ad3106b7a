// Errors of the REST client. ApiError mirrors upstream's api.Error: the server's {code, message}
// body, or code 0 when no HTTP response was obtained (the CLI exits 1 then, 2 otherwise).
// ClientError is everything local (bad path, undecodable stream): the CLI prints it on stderr.

export class ApiError extends Error {
  readonly code: number
  constructor (code: number, message: string) {
    super(message)
    this.name = 'ApiError'
    this.code = code
  }

  toJSON (): { code: number, message: string } {
    return { code: this.code, message: this.message }
  }
}

export class ClientError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ClientError'
  }
}

/** A wait (--wait-timeout) ran out of time: upstream exits with ETIME (62). */
export class DeadlineExceededError extends Error {
  constructor (message = 'context deadline exceeded') {
    super(message)
    this.name = 'DeadlineExceededError'
  }
}

/** True for errors that mean "this target could not be reached" (fail over to the next one). */
export function isConnectionError (err: unknown): boolean {
  return err instanceof ApiError && err.code === 0
}
