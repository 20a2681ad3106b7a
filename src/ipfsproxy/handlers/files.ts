// cat, refs and dag/put served by the embedded node (kubo serves its own). cat reads unixfs files
// with ipfs-unixfs-exporter over the connector's blockGet, so content on other peers is fetched.
import { exporter } from 'ipfs-unixfs-exporter'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import type { CID } from 'multiformats/cid'
import { errorMessage } from '../../api/errors.js'
import { defaultPinOptions } from '../../api/pin.js'
import { parseMultipart } from '../../adder/multipart.js'
import type { ProxyCall } from '../context.js'
import { requireArg } from '../context.js'
import { KuboRpcError, clientError } from '../errors.js'
import { hasherByName } from '../hashing.js'
import { pathOrCidPath, rootCid } from '../paths.js'
import { streamJson, writeChunk } from '../respond.js'
import { connectorBlockstore, linksOf } from '../block-reader.js'
import { entryBytes } from '../../exporter/file-bytes.js'
import { NdjsonWriter } from '../../restapi/common/stream.js'
import { CID as CIDClass } from 'multiformats/cid'

export async function cat (call: ProxyCall): Promise<void> {
  const path = pathOrCidPath(requireArg(call, 'ipfs-path'))
  if (!path.startsWith('/ipfs/') && !path.startsWith('/ipld/')) throw new KuboRpcError('IPNS is not available on the embedded IPFS node')
  const offset = intOpt(call.query, 'offset')
  const length = intOpt(call.query, 'length')
  const store = connectorBlockstore(call.deps.ipfs, call.signal)
  const entry = await exporter(path.slice('/ipfs/'.length), store, { signal: call.signal })
  if (entry.type === 'directory') throw new KuboRpcError('this dag node is a directory')
  if (entry.type !== 'file' && entry.type !== 'raw' && entry.type !== 'identity') throw new KuboRpcError(`cannot cat a ${entry.type} node`)
  const res = call.res
  res.setHeader('Content-Type', 'text/plain')
  res.setHeader('X-Stream-Output', '1')
  res.setHeader('X-Content-Length', String(entry.size))
  const writer = new NdjsonWriter(res)
  writer.start(200)
  const errors: string[] = []
  try {
    for await (const chunk of entryBytes(entry, store, { offset, length, signal: call.signal })) {
      if (!await writeChunk(res, chunk)) return
    }
  } catch (err) {
    errors.push(errorMessage(err))
  }
  writer.end(errors)
}

/** refs [-r] [-u] [--max-depth n] [-e]: the links below each argument, depth-first. */
export async function refs (call: ProxyCall): Promise<void> {
  const args = call.query.getAll('arg')
  if (args.length === 0) throw clientError('argument "ipfs-path" is required')
  const roots = args.map(a => rootCid(a))
  const recursive = call.query.get('recursive') === 'true' || call.query.get('r') === 'true'
  const unique = call.query.get('unique') === 'true' || call.query.get('u') === 'true'
  const edges = call.query.get('edges') === 'true' || call.query.get('e') === 'true'
  const maxDepth = call.query.get('max-depth') != null ? Number(call.query.get('max-depth')) : (recursive ? -1 : 1)
  const ipfs = call.deps.ipfs
  const seen = new Set<string>()
  async function * walk (cid: CID, depth: number): AsyncIterable<{ Ref: string, Err: string }> {
    if (maxDepth >= 0 && depth >= maxDepth) return
    const links = linksOf(cid, await ipfs.blockGet(cid.toString(), { signal: call.signal }))
    for (const l of links) {
      const key = l.toString()
      if (unique && seen.has(key)) continue
      seen.add(key)
      yield { Ref: edges ? `${cid.toString()} -> ${key}` : key, Err: '' }
      yield * walk(l, depth + 1)
    }
  }
  await streamJson(call.res, (async function * () {
    for (const r of roots) yield * walk(r, 0)
  })())
}

const INPUT_CODECS: Record<string, (b: Uint8Array) => unknown> = {
  'dag-json': b => dagJson.decode(b),
  'dag-cbor': b => dagCbor.decode(b),
  json: b => json.decode(b)
}
const STORE_CODECS: Record<string, { code: number, encode: (v: any) => Uint8Array }> = {
  'dag-cbor': dagCbor,
  'dag-json': dagJson,
  json
}

/** dag/put: each file part decoded with input-codec, stored with store-codec. */
export async function dagPut (call: ProxyCall): Promise<void> {
  const inCodec = call.query.get('input-codec') ?? 'dag-json'
  const storeCodec = call.query.get('store-codec') ?? 'dag-cbor'
  const pin = call.query.get('pin') === 'true'
  const decode = INPUT_CODECS[inCodec]
  const store = STORE_CODECS[storeCodec]
  if (decode == null && !(inCodec === 'raw' && storeCodec === 'raw')) throw clientError(`unsupported input-codec: ${inCodec}`)
  if (store == null && storeCodec !== 'raw') throw clientError(`unsupported store-codec: ${storeCodec}`)
  const hasher = hasherByName(call.query.get('hash') ?? 'sha2-256')
  const entries = parseMultipart(call.req, call.req.headers['content-type'], { signal: call.signal })
  const errors: string[] = []
  await streamJson(call.res, (async function * () {
    for await (const e of entries) {
      if (e.type !== 'file' || e.content == null) continue
      const chunks: Uint8Array[] = []
      for await (const c of e.content) chunks.push(c)
      const input = Buffer.concat(chunks)
      let bytes: Uint8Array
      let code: number
      try {
        if (store == null) {
          bytes = input
          code = raw.code
        } else {
          bytes = store.encode(decode(input))
          code = store.code
        }
      } catch (err) {
        throw new KuboRpcError(`failed to decode the ${inCodec} input: ${errorMessage(err)}`)
      }
      const cid = CIDClass.createV1(code, await hasher.digest(bytes))
      await call.deps.ipfs.blockPut({ cid: cid.toString(), bytes }, { signal: call.signal })
      if (pin) {
        try {
          await call.deps.cluster.pin(cid.toString(), defaultPinOptions(), { signal: call.signal })
        } catch (err) {
          errors.push(errorMessage(err))
        }
      }
      yield { Cid: { '/': cid.toString() } }
    }
  })(), errors)
}

function intOpt (q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name)
  if (v == null || v === '') return undefined
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 0) throw clientError(`invalid ${name}: ${v}`)
  return n
}
