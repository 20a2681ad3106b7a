// /api/v0/add: a kubo-style multipart upload added through the cluster (imported, blocks
// placed on the allocated peers, root pinned), answered in kubo's output shape. Cluster's AddParams
// are read from the same query, so cluster options (replication-min, name, local…) work too.
import { addParamsFromQuery } from '../../api/params.js'
import type { Query } from '../../api/params.js'
import type { AddedOutput } from '../../api/types.js'
import { errorMessage } from '../../api/errors.js'
import { parseMultipart, multipartBoundary } from '../../adder/multipart.js'
import { UploadBody } from '../../adder/upload-body.js'
import { randomBytes } from 'node:crypto'
import type { AddEntry } from '../../adder/types.js'
import type { ProxyCall } from '../context.js'
import { KuboRpcError } from '../errors.js'
import { streamJson } from '../respond.js'

interface KuboAddOutput {
  Name: string
  Hash?: string
  Bytes?: number
  Size?: string
}

export async function add (call: ProxyCall): Promise<void> {
  const q = call.query
  try {
    multipartBoundary(call.req.headers['content-type'])
  } catch (err) {
    throw new KuboRpcError(`error reading request: ${errorMessage(err)}`)
  }
  if (q.get('only-hash') === 'true') throw new KuboRpcError('only-hash is not supported when adding to cluster')
  let params
  try {
    params = addParamsFromQuery(queryObject(q))
  } catch (err) {
    throw new KuboRpcError(`error parsing options:${errorMessage(err)}`)
  }
  // kubo's own names for two options the cluster spells differently
  if (q.get('trickle') === 'true') params.layout = 'trickle'
  if (q.get('pin') === 'false') params.no_pin = true

  const unnamed = `unnamed-${randomBytes(8).toString('hex')}`
  const upload = new UploadBody(call.req)
  const entries = nameUnnamed(parseMultipart(upload, call.req.headers['content-type'], { signal: call.signal }), params.wrap ? undefined : unnamed)
  const outputs = call.deps.cluster.add(entries, params, { signal: call.signal })
  call.res.setHeader('Cache-Control', 'no-cache')
  call.res.setHeader('Connection', 'close')
  await streamJson(call.res, (async function * () {
    try {
      for await (const out of outputs) {
        // kubo names a file sent without a name by its CID
        yield kuboOutput(out.name === unnamed && out.cid !== '' ? { ...out, name: out.cid } : out)
      }
    } catch (err) {
      // the answer (error body or trailer) goes out once the upload is read (upload-body.ts)
      await upload.dropRest()
      throw err
    }
  })())
}

/** kubo-rpc-client sends bare content as a part with no filename; kubo accepts it. */
async function * nameUnnamed (entries: AsyncIterable<AddEntry>, placeholder: string | undefined): AsyncIterable<AddEntry> {
  for await (const e of entries) {
    yield placeholder != null && e.path.replace(/^\/+|\/+$/g, '') === '' && e.type === 'file' ? { ...e, path: placeholder } : e
  }
}

function kuboOutput (o: AddedOutput): KuboAddOutput {
  const r: KuboAddOutput = { Name: o.name }
  if (o.cid != null && o.cid !== '') r.Hash = o.cid
  if (o.bytes != null && o.bytes !== 0) r.Bytes = o.bytes
  if (o.size != null && o.size !== 0) r.Size = String(o.size)
  return r
}

/** Go's url.Values.Get: the first value of each key. */
function queryObject (q: URLSearchParams): Query {
  const out: Query = {}
  for (const [k, v] of q) if (!(k in out)) out[k] = v
  return out
}
