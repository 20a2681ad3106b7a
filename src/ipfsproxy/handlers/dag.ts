// dag/get, dag/export (CAR v1) and dag/import of the embedded node, in kubo's shapes. dag/put
// is in files.ts. Paths in dag/get walk the IPLD data model (dag-pb as {Data, Links}).
import * as dagPb from '@ipld/dag-pb'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'
import { CarBlockIterator } from '@ipld/car/iterator'
import { encode as varint } from 'uint8-varint'
import { equals } from 'uint8arrays/equals'
import { errorMessage } from '../../api/errors.js'
import { defaultPinOptions } from '../../api/pin.js'
import { parseMultipart } from '../../adder/multipart.js'
import { hasherByCode } from '../../adder/hashes.js'
import type { ProxyCall } from '../context.js'
import { requireArg } from '../context.js'
import { KuboRpcError, clientError } from '../errors.js'
import { pathOrCidPath } from '../paths.js'
import { streamBytes, streamJson } from '../respond.js'
import { linksOf } from '../block-reader.js'

const IDENTITY = 0x00

function decodeBlock (cid: CID, bytes: Uint8Array): unknown {
  switch (cid.code) {
    case dagPb.code: return dagPb.decode(bytes)
    case dagCbor.code: return dagCbor.decode(bytes)
    case dagJson.code: return dagJson.decode(bytes)
    case json.code: return json.decode(bytes)
    case raw.code: return bytes
    default: throw new KuboRpcError(`no decoder registered for multicodec code ${cid.code} (0x${cid.code.toString(16)})`)
  }
}

const OUTPUT_CODECS: Record<string, (v: unknown) => Uint8Array> = {
  'dag-json': v => dagJson.encode(v),
  'dag-cbor': v => dagCbor.encode(v),
  json: v => json.encode(v)
}

/** The node (or value inside it) a /ipfs/<cid>/a/0/b path points at; a final link is followed. */
async function resolveDagPath (call: ProxyCall, arg: string): Promise<{ cid: CID, value: unknown, bytes: Uint8Array, whole: boolean }> {
  const path = pathOrCidPath(arg)
  if (path.startsWith('/ipns/')) throw new KuboRpcError(`could not resolve name "${arg}": IPNS is not available on the embedded IPFS node`)
  const [, , root, ...segments] = path.split('/')
  let cid = CID.parse(root)
  let bytes = await call.deps.ipfs.blockGet(cid.toString(), { signal: call.signal })
  let value = decodeBlock(cid, bytes)
  let whole = true
  for (const seg of segments.filter(s => s !== '')) {
    const link = CID.asCID(value)
    if (link != null) {
      cid = link
      bytes = await call.deps.ipfs.blockGet(cid.toString(), { signal: call.signal })
      value = decodeBlock(cid, bytes)
    }
    let next: unknown
    if (Array.isArray(value)) next = /^\d+$/.test(seg) ? value[Number(seg)] : undefined
    else if (value != null && typeof value === 'object' && !(value instanceof Uint8Array)) next = (value as Record<string, unknown>)[seg]
    if (next === undefined) throw new KuboRpcError(`no link named "${seg}" under ${cid.toString()}`)
    value = next
    whole = false
  }
  const last = CID.asCID(value)
  if (last != null && !whole) {
    cid = last
    bytes = await call.deps.ipfs.blockGet(cid.toString(), { signal: call.signal })
    value = decodeBlock(cid, bytes)
    whole = true
  }
  return { cid, value, bytes, whole }
}

/** dag/get <path> [--output-codec dag-json|dag-cbor|json|raw]: the node, encoded. */
export async function dagGet (call: ProxyCall): Promise<void> {
  const arg = requireArg(call, 'ref')
  const codec = call.query.get('output-codec') ?? 'dag-json'
  const { cid, value, bytes, whole } = await resolveDagPath(call, arg)
  let out: Uint8Array
  if (codec === 'raw') {
    if (!whole) throw new KuboRpcError('unable to use raw output codec on a path inside a node')
    out = bytes
  } else {
    const enc = OUTPUT_CODECS[codec]
    if (enc == null) throw clientError(`unsupported output codec: ${codec}`)
    // the same codec as the block: its bytes as stored
    if (whole && ((codec === 'dag-cbor' && cid.code === dagCbor.code) || (codec === 'dag-json' && cid.code === dagJson.code))) out = bytes
    else {
      try {
        out = enc(value)
      } catch (err) {
        throw new KuboRpcError(`failed to encode the node as ${codec}: ${errorMessage(err)}`)
      }
    }
  }
  call.res.setHeader('Content-Type', 'text/plain')
  call.res.setHeader('X-Stream-Output', '1')
  call.res.writeHead(200)
  call.res.end(out)
}

/** The blocks of the DAG under root, depth-first pre-order, each once. */
async function * dagBlocks (call: ProxyCall, root: CID): AsyncGenerator<{ cid: CID, bytes: Uint8Array }> {
  const seen = new Set<string>()
  const stack: CID[] = [root]
  while (stack.length > 0) {
    const cid = stack.pop()!
    const key = cid.toString()
    if (seen.has(key)) continue
    seen.add(key)
    if (cid.multihash.code === IDENTITY) continue
    const bytes = await call.deps.ipfs.blockGet(key, { signal: call.signal })
    yield { cid, bytes }
    const links = linksOf(cid, bytes)
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i])
  }
}

/** dag/export <root>: the DAG as a CAR v1 stream with that single root. */
export async function dagExport (call: ProxyCall): Promise<void> {
  const arg = requireArg(call, 'root')
  const path = pathOrCidPath(arg)
  if (path.split('/').filter(s => s !== '').length > 2) throw clientError('dag export takes a CID, not a path')
  const root = CID.parse(path.split('/')[2])
  await streamBytes(call.res, (async function * () {
    const header = dagCbor.encode({ roots: [root], version: 1 })
    yield concat(varint(header.byteLength), header)
    for await (const { cid, bytes } of dagBlocks(call, root)) {
      yield concat(varint(cid.bytes.byteLength + bytes.byteLength), cid.bytes, bytes)
    }
  })(), 'application/vnd.ipld.car')
}

function concat (...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts)
}

function verifyBlock (cid: CID, bytes: Uint8Array): void {
  const mh = cid.multihash
  if (mh.code === IDENTITY) {
    if (!equals(mh.digest, bytes)) throw new KuboRpcError(`block ${cid.toString()} does not match its CID`)
    return
  }
  const h = hasherByCode(mh.code)
  if (h == null) throw new KuboRpcError(`block ${cid.toString()} uses an unsupported hash function (0x${mh.code.toString(16)})`)
  if (!equals(h.digest(bytes).bytes, mh.bytes)) throw new KuboRpcError(`block ${cid.toString()} does not match its CID`)
}

/**
 * dag/import: every CAR file part's blocks stored (each checked against its CID); then, with
 * pin-roots (default true), each root pinned in the cluster and reported as kubo does,
 * {"Root":{"Cid":{"/":…},"PinErrorMsg":""}}; stats=true adds {"Stats":{BlockCount,BlockBytesCount}}.
 */
export async function dagImport (call: ProxyCall): Promise<void> {
  const pinRoots = call.query.get('pin-roots') !== 'false'
  const stats = call.query.get('stats') === 'true'
  const entries = parseMultipart(call.req, call.req.headers['content-type'], { signal: call.signal })
  const roots = new Map<string, CID>()
  let blockCount = 0
  let blockBytes = 0
  let files = 0
  for await (const e of entries) {
    if (e.type !== 'file' || e.content == null) continue
    files++
    let car: CarBlockIterator
    try {
      car = await CarBlockIterator.fromIterable(e.content)
    } catch (err) {
      throw new KuboRpcError(`invalid CAR file: ${errorMessage(err)}`)
    }
    for (const r of await car.getRoots()) roots.set(r.toString(), r)
    for await (const { cid, bytes } of car) {
      const c = CID.asCID(cid) ?? CID.decode(cid.bytes)
      verifyBlock(c, bytes)
      await call.deps.ipfs.blockPut({ cid: c.toString(), bytes }, { signal: call.signal })
      blockCount++
      blockBytes += bytes.byteLength
    }
  }
  if (files === 0) throw clientError('argument "path" is required')
  await streamJson(call.res, (async function * () {
    if (pinRoots) {
      for (const [key] of roots) {
        let msg = ''
        try {
          await call.deps.cluster.pin(key, defaultPinOptions(), { signal: call.signal })
        } catch (err) {
          msg = errorMessage(err)
        }
        yield { Root: { Cid: { '/': key }, PinErrorMsg: msg } }
      }
    }
    if (stats) yield { Stats: { BlockCount: blockCount, BlockBytesCount: blockBytes } }
  })())
}

