// block/put, block/get and block/stat. With the embedded node they are served from the
// IpfsConnector (with kubo they pass through, see routes.ts).
import { errorMessage } from '../../api/errors.js'
import { defaultPinOptions } from '../../api/pin.js'
import { parseMultipart } from '../../adder/multipart.js'
import type { ProxyCall } from '../context.js'
import { requireArg } from '../context.js'
import { KuboRpcError } from '../errors.js'
import { blockPutRecipe, cidOf } from '../hashing.js'
import { rootCid } from '../paths.js'
import { sendJson, streamJson } from '../respond.js'

export async function blockPut (call: ProxyCall): Promise<void> {
  const pin = call.query.get('pin') === 'true'
  const recipe = blockPutRecipe(call.query)
  const entries = parseMultipart(call.req, call.req.headers['content-type'], { signal: call.signal })
  const errors: string[] = []
  await streamJson(call.res, (async function * () {
    for await (const e of entries) {
      if (e.type !== 'file' || e.content == null) continue
      const chunks: Uint8Array[] = []
      for await (const c of e.content) chunks.push(c)
      const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
      const cid = await cidOf(recipe, bytes)
      await call.deps.ipfs.blockPut({ cid: cid.toString(), bytes }, { signal: call.signal })
      if (pin) {
        try {
          await call.deps.cluster.pin(cid.toString(), defaultPinOptions(), { signal: call.signal })
        } catch (err) {
          errors.push(errorMessage(err))
        }
      }
      yield { Key: cid.toString(), Size: bytes.byteLength }
    }
  })(), errors)
}

export async function blockGet (call: ProxyCall): Promise<void> {
  const cid = rootCid(requireArg(call, 'cid')).toString()
  // offline, as kubo: a block this node lacks is an error, never a network fetch
  const bytes = call.query.get('offline') === 'true'
    ? await call.deps.ipfs.blockGetLocal(cid, { signal: call.signal })
    : await call.deps.ipfs.blockGet(cid, { signal: call.signal })
  if (bytes === undefined) throw new KuboRpcError(`block was not found locally (offline): ipld: could not find ${cid}`)
  call.res.setHeader('Content-Type', 'text/plain')
  call.res.setHeader('X-Stream-Output', '1')
  call.res.writeHead(200)
  call.res.end(bytes)
}

export async function blockStat (call: ProxyCall): Promise<void> {
  const cid = rootCid(requireArg(call, 'cid')).toString()
  const offline = call.query.get('offline') === 'true'
  let size = await call.deps.ipfs.blockStat(cid, { signal: call.signal })
  if (size === undefined) {
    if (offline) throw new KuboRpcError(`block was not found locally (offline): ipld: could not find ${cid}`)
    size = (await call.deps.ipfs.blockGet(cid, { signal: call.signal })).byteLength
  }
  sendJson(call.res, { Key: cid, Size: size })
}

/**
 * block/rm <cid>...: one {"Hash", "Error"?} line per block (kubo's removedBlock); a pinned or
 * missing block is an error line (missing ones are skipped with force=true), and any error ends
 * the answer with "some blocks not removed" in the trailer, as kubo does.
 */
export async function blockRm (call: ProxyCall): Promise<void> {
  const args = call.query.getAll('arg')
  if (args.length === 0) throw new KuboRpcError('argument "cid" is required', 400, 1)
  const force = call.query.get('force') === 'true' || call.query.get('f') === 'true'
  const quiet = call.query.get('quiet') === 'true' || call.query.get('q') === 'true'
  const rm = call.deps.ipfs.blockRm
  if (rm == null) throw new KuboRpcError('block/rm is not implemented by this IPFS backend', 501)
  const cids = args.map(a => rootCid(a).toString())
  const trailer: string[] = []
  await streamJson(call.res, (async function * () {
    let failed = false
    for (const cid of cids) {
      try {
        await rm.call(call.deps.ipfs, cid, { signal: call.signal })
        if (!quiet) yield { Hash: cid }
      } catch (err) {
        const msg = errorMessage(err)
        if (force && /not found/.test(msg)) continue
        failed = true
        yield { Hash: cid, Error: msg }
      }
    }
    if (failed) trailer.push('some blocks not removed')
  })(), trailer)
}
