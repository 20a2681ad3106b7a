// block/put?pin=true and dag/put?pin=true with kubo: kubo stores (with pin=false, so that only
// the cluster owns the pins), and every CID it answers is pinned in the cluster. Kubo's lines are
// passed on; pin failures go to the X-Stream-Error trailer, as upstream does.
import { errorMessage } from '../../api/errors.js'
import { defaultPinOptions } from '../../api/pin.js'
import type { ProxyCall } from '../context.js'
import { KuboRpcError } from '../errors.js'
import { streamJson } from '../respond.js'

export async function pinEachFromKubo (call: ProxyCall, cidOf: (line: unknown) => string | undefined, forcePinFalse: boolean): Promise<void> {
  const node = call.deps.node
  if (node == null) throw new KuboRpcError('no IPFS node to forward to')
  const pin = call.query.get('pin') === 'true'
  if (!pin) {
    await node.forward(call.req, call.res, call.signal)
    return
  }
  const url = new URL(call.req.url ?? '/', 'http://x')
  if (forcePinFalse) url.searchParams.set('pin', 'false')
  const headers: Record<string, string> = {}
  if (call.req.headers['content-type'] != null) headers['content-type'] = call.req.headers['content-type']
  const kres = await node.request(call.req.method ?? 'POST', url.pathname + url.search, headers, call.req, call.signal)
  if (kres.statusCode !== 200) {
    call.res.writeHead(kres.statusCode ?? 502, { 'content-type': kres.headers['content-type'] ?? 'application/json' })
    for await (const c of kres as AsyncIterable<Buffer>) call.res.write(c)
    call.res.end()
    return
  }
  const errors: string[] = []
  await streamJson(call.res, (async function * () {
    let pending = ''
    const handle = async (text: string): Promise<unknown> => {
      const line = JSON.parse(text) as unknown
      const cid = cidOf(line)
      if (cid != null) {
        try {
          await call.deps.cluster.pin(cid, defaultPinOptions(), { signal: call.signal })
        } catch (err) {
          errors.push(errorMessage(err))
        }
      }
      return line
    }
    for await (const chunk of kres as AsyncIterable<Buffer>) {
      pending += chunk.toString('utf8')
      let nl: number
      while ((nl = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, nl).trim()
        pending = pending.slice(nl + 1)
        if (text !== '') yield await handle(text)
      }
    }
    if (pending.trim() !== '') yield await handle(pending.trim())
    const trailer = kres.trailers['x-stream-error']
    if (trailer != null && trailer !== '') errors.push(trailer)
  })(), errors)
}
