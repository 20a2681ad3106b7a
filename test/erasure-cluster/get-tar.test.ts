// The ecget tar framing: the daemon's writer and cluster-ctl's extractor agree (long paths via
// pax, empty files, nested and empty directories, modes), system tar reads the writer's output,
// and the extractor refuses paths leaving its folder.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { tarStream } from '../../src/cluster/erasure/get-tar.js'
import type { TarEntry } from '../../src/cluster/erasure/get-tar.js'
import { extractTar } from '../../src/ctl/commands/ec-tar.js'

async function * chunks (b: Uint8Array, size = 700): AsyncIterable<Uint8Array> {
  for (let i = 0; i < b.byteLength; i += size) yield b.subarray(i, i + size)
}

async function * entries (list: Array<TarEntry & { bytes?: Uint8Array }>): AsyncIterable<TarEntry> {
  for (const e of list) yield { ...e, content: e.bytes != null ? chunks(e.bytes) : undefined }
}

async function collect (it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const c of it) out.push(Buffer.from(c))
  return Buffer.concat(out)
}

const longDir = 'd'.repeat(120)
const longName = `${'n'.repeat(90)}/${'m'.repeat(150)}.bin`
const files = {
  'a.txt': Buffer.from('hello\n'),
  empty: Buffer.alloc(0),
  'sub/big.bin': randomBytes(3 * 512 + 17),
  [`${longDir}/x`]: Buffer.from('long prefix\n'),
  [longName]: randomBytes(1000)
}
const list: Array<TarEntry & { bytes?: Uint8Array }> = [
  { path: 'a.txt', type: 'file', size: 6, mode: 0o600, mtime: 1, bytes: files['a.txt'] },
  { path: 'empty', type: 'file', size: 0, mode: 0o644, mtime: 1, bytes: files.empty },
  { path: 'sub', type: 'directory', size: 0, mode: 0o755, mtime: 1 },
  { path: 'sub/big.bin', type: 'file', size: files['sub/big.bin'].byteLength, mode: 0o644, mtime: 1, bytes: files['sub/big.bin'] },
  { path: 'void', type: 'directory', size: 0, mode: 0o755, mtime: 1 },
  { path: longDir, type: 'directory', size: 0, mode: 0o755, mtime: 1 },
  { path: `${longDir}/x`, type: 'file', size: 12, mode: 0o644, mtime: 1, bytes: files[`${longDir}/x`] },
  { path: longName, type: 'file', size: 1000, mode: 0o644, mtime: 1, bytes: files[longName] }
]

test('writer and extractor round-trip a tree, pax paths included', async () => {
  const tar = await collect(tarStream(entries(list)))
  assert.equal(tar.byteLength % 512, 0)
  const dir = mkdtempSync(join(tmpdir(), 'ectar-'))
  try {
    let counted = 0
    await extractTar(chunks(tar, 333), join(dir, 'out'), n => { counted += n })
    for (const [p, b] of Object.entries(files)) assert.ok(readFileSync(join(dir, 'out', p)).equals(b), p)
    assert.deepEqual(readdirSync(join(dir, 'out', 'void')), [])
    assert.equal(statSync(join(dir, 'out', 'a.txt')).mode & 0o777, 0o600)
    assert.equal(counted, Object.values(files).reduce((n, b) => n + b.byteLength, 0))
    // system tar, when present, reads the same archive
    writeFileSync(join(dir, 'a.tar'), tar)
    const r = spawnSync('tar', ['-tf', join(dir, 'a.tar')], { encoding: 'utf8' })
    if (r.status === 0) {
      const names = r.stdout.split('\n').filter(Boolean).map(n => n.replace(/\/$/, ''))
      for (const p of Object.keys(files)) assert.ok(names.includes(p), `tar lists ${p}`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a file whose content is not its size fails the stream', async () => {
  await assert.rejects(collect(tarStream(entries([{ path: 'f', type: 'file', size: 10, mode: 0o644, mtime: 0, bytes: Buffer.alloc(9) }]))), /has 9 bytes, expected 10/)
})

test('the extractor refuses paths that leave its folder and truncated archives', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ectar-'))
  try {
    const evil = await collect(tarStream(entries([{ path: '../evil', type: 'file', size: 1, mode: 0o644, mtime: 0, bytes: Buffer.from('x') }])))
    await assert.rejects(extractTar(chunks(evil), join(dir, 'o1')), /refusing the archive path/)
    const good = await collect(tarStream(entries(list)))
    await assert.rejects(extractTar(chunks(good.subarray(0, 2048)), join(dir, 'o2')), /ended/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
