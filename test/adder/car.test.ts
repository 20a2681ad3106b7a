// format=car adds (upstream adder.carAdder). The CARs are built here from blocks whose CIDs are
// kubo's (t0040 planets folder, hello.txt), like t0031's `ipfs dag export` → `ctl add --format car`.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CarWriter } from '@ipld/car/writer'
import { CID } from 'multiformats/cid'
import { importEntries } from '../../src/adder/importer.js'
import type { AddEntry } from '../../src/adder/types.js'
import { collectBytes, dir, file, fromArray, importAll, MemorySink, params } from './helpers.js'

async function carBytes (roots: CID[], blocks: Array<[string, Uint8Array]>): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots)
  const done = collectBytes(out)
  for (const [cid, bytes] of blocks) await writer.put({ cid: CID.parse(cid), bytes })
  await writer.close()
  return await done
}

async function planetsBlocks (): Promise<Array<[string, Uint8Array]>> {
  const sink = new MemorySink()
  await importAll([dir('planets'), file('planets/mars.txt', 'Hello Mars!\n'), file('planets/venus.txt', 'Hello Venus!\n')], {}, sink)
  return [...sink.blocks.entries()]
}

const PLANETS = 'QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY'

async function addCar (entries: AddEntry[], over = {}, sink = new MemorySink()): Promise<any[]> {
  const out = []
  for await (const o of importEntries(fromArray(entries), params({ format: 'car', ...over }), sink)) out.push(o)
  return out
}

describe('CAR import', () => {
  it('stores every block as-is and reports the single root with the byte total', async () => {
    const blocks = await planetsBlocks()
    const car = await carBytes([CID.parse(PLANETS)], blocks)
    const sink = new MemorySink()
    const out = await addCar([file('test.car', car)], {}, sink)
    const total = blocks.reduce((n, [, b]) => n + b.byteLength, 0)
    assert.deepEqual(out, [{ name: 'test.car', cid: PLANETS, bytes: total }])
    assert.deepEqual([...sink.blocks.keys()].sort(), blocks.map(([c]) => c).sort())
  })

  it('reports the UnixFS file size when the root is a file', async () => {
    const sink = new MemorySink()
    await importAll([file('hello.txt', 'Hello Worlds!\n')], {}, sink)
    const car = await carBytes([CID.parse('QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH')], [...sink.blocks.entries()])
    const [out] = await addCar([file('hello.car', car)])
    assert.equal(out.size, 14)
    assert.equal(out.bytes, 22)
  })

  it('refuses CARs without exactly one root', async () => {
    const blocks = await planetsBlocks()
    const two = await carBytes([CID.parse(PLANETS), CID.parse(blocks[0][0])], blocks)
    await assert.rejects(addCar([file('x.car', two)]), { name: 'InvalidArgumentError', message: 'only CAR files with a single root are supported' })
  })

  it('refuses a block that does not match its CID', async () => {
    const blocks = await planetsBlocks()
    const bad = blocks.map(([c, b]): [string, Uint8Array] => [c, c === PLANETS ? b : Uint8Array.from(b, (x, i) => i === b.length - 1 ? x ^ 1 : x)])
    const car = await carBytes([CID.parse(PLANETS)], bad)
    await assert.rejects(addCar([file('x.car', car)]), { message: /does not match its CID/ })
  })

  it('refuses wrapping, directories and a second file', async () => {
    const car = await carBytes([CID.parse(PLANETS)], await planetsBlocks())
    assert.throws(() => importEntries(fromArray([file('x.car', car)]), params({ format: 'car', wrap: true }), new MemorySink()), { message: 'cannot wrap a CAR file upload' })
    await assert.rejects(addCar([dir('d')]), { message: 'expected CAR file is not of type file' })
    await assert.rejects(addCar([file('x.car', car), file('y.car', car)]), { message: /only one CAR file/ })
  })

  it('refuses bytes that are not a CAR', async () => {
    await assert.rejects(addCar([file('x.car', 'not a car at all')]), { name: 'InvalidArgumentError' })
  })
})
