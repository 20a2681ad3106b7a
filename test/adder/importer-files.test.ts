// Single-file imports against CIDs printed by kubo itself. Sources:
//  [t0040]  ipfs/kubo test/sharness/t0040-add-and-cat.sh
//  [cli]    ipfs/kubo test/cli/add_test.go and test/cli/cid_profiles_test.go (files made with
//           testutils.DeterministicRandomReader, regenerated here by helpers.deterministic)
//  [fcc]    freeCodeCamp "IPFS … DAGs" article: `ipfs add --chunker=size-64` of a 131-byte file
//  [mh]     multiformats/multihash tests/values/test_cases.csv (sha3-512 of the empty input)
//  [brief]  the task brief ("test_53\n")
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { deterministic, file, fileStream, importAll, lines, MemorySink } from './helpers.js'

const HELLO = 'Hello Worlds!\n'

describe('importer: single files with kubo defaults', () => {
  it('"test_53\\n" [brief]', async () => {
    assert.deepEqual(lines(await importAll([file('test', 'test_53\n')])), ['added QmbrCtydGyPeHiLURSPMqrvE5mCgMCwFYq3UD4XLCeAYw6 test'])
  })

  it('hello.txt, venus.txt, jupiter, neptune, IPFS, hello world [t0040, cli]', async () => {
    const cases: Array<[string, string]> = [
      [HELLO, 'QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH'],
      ['Helloo Worlds!\n', 'Qmf35k66MZNW2GijohUmXQEWKZU4cCGTCwK6idfnt152wJ'],
      ['Hello Venus!\n', 'QmU5kp3BH3B8tnWUU2Pikdb2maksBNkb92FHRr56hyghh4'],
      ['Hello Jupiter!\n', 'QmUnvPcBctVTAcJpigv6KMqDvmDewksPWrNVoy1E1WP5fh'],
      ['Hello Neptune!\nHello Pluton!', 'QmZDhWpi8NvKrekaYYhxKCdNVGWsFFe1CREnAjP1QbPaB3'],
      ['IPFS\n', 'QmdFyxZXsFiP4csgfM5uPu99AvFiKH62CSPDw5TP92nr7w'],
      ['hello world', 'Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD']
    ]
    for (const [text, cid] of cases) {
      const [out] = await importAll([file('f', text)])
      assert.equal(out.cid, cid, JSON.stringify(text))
    }
  })

  it('names a lone file by its file name and reports the cumulative size', async () => {
    const out = await importAll([file('hello.txt', HELLO)])
    assert.deepEqual(out, [{ name: 'hello.txt', cid: 'QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH', size: 22 }])
  })

  it('empty file, dag-pb and raw leaves [t0040]', async () => {
    assert.equal((await importAll([file('z', '')]))[0].cid, 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH')
    const [r] = await importAll([file('z', '')], { raw_leaves: true, raw_leaves_set: true })
    assert.equal(r.cid, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
    assert.equal(r.size, undefined, 'size 0 is omitted like upstream omitempty')
  })

  it('multi-chunk balanced file with --chunker=size-64 [fcc]', async () => {
    const line = 'hello IPFS world by Web3Coach. Testing DAGs'
    const text = [line, line, line].join('\n')
    assert.equal(text.length, 131)
    assert.equal((await importAll([file('hello_world.txt', text)]))[0].cid, 'QmNtQtxeavDXTjCiWAAaxnhKK3LBYfFfpXUXjdMDYXwKtH')
    assert.equal((await importAll([file('hello_world.txt', text)], { chunker: 'size-64' }))[0].cid, 'QmTwtTQgrTaait2qWXYjTsEZiF4sT7CD4U87VqQ27Wnsn8')
  })

  it('chunker spellings that keep a small file in one chunk [t0040]', async () => {
    for (const chunker of ['rabin', 'size-64', 'rabin-36-512-1024', 'default', '']) {
      const [out] = await importAll([file('hello.txt', HELLO)], { chunker })
      assert.equal(out.cid, 'QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH', chunker)
    }
  })

  it('174 leaves fill one node, 175 rebalance into two levels (v0, 256 KiB) [cli]', async () => {
    const sink = new MemorySink()
    const [at] = await importAll([fileStream('f', deterministic(44544 * 1024, 'v0-seed'))], {}, sink)
    assert.equal(at.cid, 'QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2')
    assert.equal(sink.blocks.size, 175)
    const [over] = await importAll([fileStream('f', deterministic(44800 * 1024, 'v0-seed'))])
    assert.equal(over.cid, 'QmepeWtdmS1hHXx1oZXsPUv6bMrfRRKfZcoPPU4eEfjnbf')
  })

  it('CIDv1 raw leaves with 1 MiB chunks, at and over 174 links [cli test-cid-v1 profile]', async () => {
    const opts = { chunker: 'size-1048576', cid_version: 1, raw_leaves: true }
    const [at] = await importAll([fileStream('f', deterministic(174 << 20, 'v1-seed'))], opts)
    assert.equal(at.cid, 'bafybeigwduxcf2aawppv3isnfeshnimkyplvw3hthxjhr2bdeje4tdaicu')
    const [over] = await importAll([fileStream('f', deterministic(175 << 20, 'v1-seed'))], opts)
    assert.equal(over.cid, 'bafybeidhd7lo2n2v7lta5yamob3xwhbxcczmmtmhquwhjesi35jntf7mpu')
  })

  it('cuts the same chunks whatever the sizes of the incoming pieces', async () => {
    const [a] = await importAll([fileStream('f', deterministic(44800 * 1024, 'v0-seed', 1000))])
    assert.equal(a.cid, 'QmepeWtdmS1hHXx1oZXsPUv6bMrfRRKfZcoPPU4eEfjnbf')
  })

  it('raw leaves cut across incoming pieces are the bytes of whole ones', async () => {
    // a leaf reaches the sink as the pieces it spans (views, not a copy): the sink must see the
    // same blocks whether the upload came in 1 MiB pieces or in odd small ones
    const opts = { cid_version: 1, raw_leaves: true }
    const whole = new MemorySink()
    const [a] = await importAll([fileStream('f', deterministic(10 << 20, 'v1-seed'))], opts, whole)
    for (const size of [1000, 65543]) {
      const cut = new MemorySink()
      const [b] = await importAll([fileStream('f', deterministic(10 << 20, 'v1-seed', size))], opts, cut)
      assert.equal(b.cid, a.cid, `pieces of ${size}`)
      assert.equal(cut.blocks.size, whole.blocks.size)
      for (const [cid, bytes] of whole.blocks) assert.equal(Buffer.compare(cut.blocks.get(cid) ?? new Uint8Array(0), bytes), 0, `${cid} from pieces of ${size}`)
    }
  })
})

describe('importer: layout, leaves, CID version and hash options', () => {
  it('--trickle on a one-chunk file wraps the leaf [t0040 `ipfs add -t`]', async () => {
    const [out] = await importAll([file('hello.txt', HELLO)], { layout: 'trickle' })
    assert.equal(out.cid, 'QmUkUQgxXeggyaD5Ckv8ZqfW8wHBX6cYyeiyqvVZYzq5Bi')
  })

  it('--raw-leaves on CIDv0 gives CIDv1 raw leaves [t0040 planets --raw-leaves]', async () => {
    const o = { raw_leaves: true, raw_leaves_set: true }
    assert.equal((await importAll([file('mars.txt', 'Hello Mars!\n')], o))[0].cid, 'bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4')
    assert.equal((await importAll([file('venus.txt', 'Hello Venus!\n')], o))[0].cid, 'bafkreihfsphazrk2ilejpekyltjeh5k4yvwgjuwg26ueafohqioeo3sdca')
  })

  it('--cid-version=1 with and without raw leaves [t0040, cli]', async () => {
    assert.equal((await importAll([file('f', 'hello world')], { cid_version: 1, raw_leaves: true }))[0].cid, 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')
    assert.equal((await importAll([file('f', 'hello world')], { cid_version: 1, raw_leaves: false, raw_leaves_set: true }))[0].cid, 'bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa')
    const o = { cid_version: 1, raw_leaves: false, raw_leaves_set: true }
    assert.equal((await importAll([file('mars.txt', 'Hello Mars!\n')], o))[0].cid, 'bafybeiawta2ntdmsy24aro35w3homzl4ak7svr3si7l7gesvq4erglyye4')
  })

  it('--hash=sha2-512 [cli], blake2b-256 [t0040]', async () => {
    assert.equal((await importAll([file('f', 'hello world')], { hash: 'sha2-512', cid_version: 1, raw_leaves: true }))[0].cid,
      'bafkrgqbqt3gerhas23vuzrapkdeqf4vu2dwxp3srdj6hvg6nhsug2tgyn6mj3u23yx7utftq3i2ckw2fwdh5qmhid5qf3t35yvkc5e5ottlw6')
    assert.equal((await importAll([file('mars.txt', 'Hello Mars!\n')], { hash: 'blake2b-256', cid_version: 1, raw_leaves: true }))[0].cid,
      'bafk2bzaceaqcxw46uzkyd2jmczoogof6pnkqt4dpiv3pwkunsv4g5rkkmecie')
  })

  it('--hash=sha3-512: an empty file is the raw block named by SHA3-512("") [mh]', async () => {
    const digest = Buffer.from('a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26', 'hex')
    const expected = CID.createV1(raw.code, createDigest(0x14, digest)).toString()
    const [out] = await importAll([file('e', '')], { hash: 'sha3-512', cid_version: 1, raw_leaves: true })
    assert.equal(out.cid, expected)
  })

  it('hash names are case-insensitive', async () => {
    const [out] = await importAll([file('mars.txt', 'Hello Mars!\n')], { hash: 'BLAKE2B-256', cid_version: 1, raw_leaves: true })
    assert.equal(out.cid, 'bafk2bzaceaqcxw46uzkyd2jmczoogof6pnkqt4dpiv3pwkunsv4g5rkkmecie')
  })
})
