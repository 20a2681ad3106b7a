// An HTTP upload (an /add body) read by the multipart parser, whose unread rest a failed add
// drops before it answers. Both add endpoints (the REST API's /add and the IPFS proxy's
// /api/v0/add) answer with `Connection: close`, and a socket closed while the client's bytes
// still arrive is reset (TCP RST), which can throw away the answer before the client has read
// it: cluster-ctl then said "error reading response: aborted" (or "write EPIPE") instead of why
// the add failed (seen in the write-quorum test, where the add fails with most of the file still
// to come). Go's server waits before such a close for the same reason.

/**
 * How long a failed add goes on reading (and dropping) the upload before it answers: a client
 * that stops sending is not waited for past this.
 */
export const DROP_UPLOAD_MS = 10_000

export class UploadBody implements AsyncIterable<Uint8Array> {
  /** the body's one reader: the parser, and after a failure dropRest */
  private readonly body: AsyncIterator<Uint8Array>

  constructor (request: AsyncIterable<Uint8Array>) {
    this.body = request[Symbol.asyncIterator]()
  }

  [Symbol.asyncIterator] (): AsyncIterator<Uint8Array> {
    return this.body
  }

  /** Reads the rest of the body and drops it, for at most `ms`. */
  async dropRest (ms = DROP_UPLOAD_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeUp = new Promise<'time'>(resolve => { timer = setTimeout(() => { resolve('time') }, ms) })
    try {
      for (;;) {
        const r = await Promise.race([this.body.next(), timeUp])
        if (r === 'time' || r.done === true) return
      }
    } catch {
      // the client went away: nothing is left to protect
    } finally {
      clearTimeout(timer)
    }
  }
}
