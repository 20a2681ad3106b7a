import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, mkdir, writeFile, symlink, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeMultipart, goQueryEscape, prepareSources, totalSize } from '../../src/ctl/client/multipart.js'

interface Part { headers: Record<string, string>, body: Buffer }

/** Splits a multipart body on its boundary (an independent reading of the bytes). */
function parseMultipart (body: Buffer, boundary: string): Part[] {
  const delim = Buffer.from(`\r\n--${boundary}`)
  // the first boundary has no leading CRLF
  assert.ok(body.subarray(0, boundary.length + 4).equals(Buffer.from(`--${boundary}\r\n`)), 'starts with the boundary')
  let rest = Buffer.concat([Buffer.from('\r\n'), body])
  const parts: Part[] = []
  for (;;) {
    const i = rest.indexOf(delim)
    assert.ok(i >= 0)
    rest = rest.subarray(i + delim.length)
    if (rest.subarray(0, 4).equals(Buffer.from('--\r\n'))) {
      assert.equal(rest.length, 4, 'nothing after the closing boundary')
      return parts
    }
    assert.ok(rest.subarray(0, 2).equals(Buffer.from('\r\n')))
    rest = rest.subarray(2)
    const hEnd = rest.indexOf('\r\n\r\n')
    const headers: Record<string, string> = {}
    for (const line of rest.subarray(0, hEnd).toString().split('\r\n')) {
      const c = line.indexOf(': ')
      headers[line.slice(0, c)] = line.slice(c + 2)
    }
    rest = rest.subarray(hEnd + 4)
    const next = rest.indexOf(delim)
    parts.push({ headers, body: Buffer.from(rest.subarray(0, next)) })
    rest = rest.subarray(next)
  }
}

async function encode (args: string[], opts: { recursive: boolean, hidden: boolean }): Promise<{ parts: Part[], data: number, raw: Buffer }> {
  const sources = await prepareSources(args, { recursive: opts.recursive, nocopy: false })
  let data = 0
  const chunks: Buffer[] = []
  let maxChunk = 0
  for await (const c of encodeMultipart(sources, 'BOUNDARY', { hidden: opts.hidden, onData: n => { data += n } })) {
    chunks.push(Buffer.from(c))
    maxChunk = Math.max(maxChunk, c.length)
  }
  // files are streamed in bounded pieces (1 MiB reads), never as one buffer
  assert.ok(maxChunk <= 1024 * 1024)
  const raw = Buffer.concat(chunks)
  return { parts: parseMultipart(raw, 'BOUNDARY'), data, raw }
}

async function tree (t: any): Promise<{ root: string, dir: string, big: Buffer }> {
  const root = await mkdtemp(join(tmpdir(), 'ctl-mp-'))
  t.after(async () => { await rm(root, { recursive: true, force: true }) })
  const dir = join(root, 'dir')
  await mkdir(join(dir, 'sub'), { recursive: true })
  await mkdir(join(dir, 'empty'))
  await writeFile(join(dir, 'a.txt'), 'A')
  await writeFile(join(dir, '.hidden'), 'H')
  const big = randomBytes(2 * 1024 * 1024 + 700 * 1024 + 3)
  await writeFile(join(dir, 'sub', 'b.bin'), big)
  await writeFile(join(dir, 'sub', 'sp ace.txt'), 'space')
  await symlink('a.txt', join(dir, 'link'))
  return { root, dir, big }
}

const disp = (name: string): string => `form-data; name="file"; filename="${name}"`

test('directory tree round trip: order, names, types, contents', async (t) => {
  const { dir, big } = await tree(t)
  const { parts, data } = await encode([dir], { recursive: true, hidden: false })
  const summary = parts.map(p => [p.headers['Content-Disposition'], p.headers['Content-Type']])
  assert.deepEqual(summary, [
    [disp('dir'), 'application/x-directory'],
    [disp('dir%2Fa.txt'), 'application/octet-stream'],
    [disp('dir%2Fempty'), 'application/x-directory'],
    [disp('dir%2Flink'), 'application/symlink'],
    [disp('dir%2Fsub'), 'application/x-directory'],
    [disp('dir%2Fsub%2Fb.bin'), 'application/octet-stream'],
    [disp('dir%2Fsub%2Fsp+ace.txt'), 'application/octet-stream']
  ])
  assert.equal(parts[0].body.length, 0)
  assert.equal(parts[1].body.toString(), 'A')
  assert.equal(parts[1].headers.Abspath, join(dir, 'a.txt'))
  assert.equal(parts[3].body.toString(), 'a.txt')
  assert.equal(parts[3].headers.Abspath, undefined)
  assert.ok(parts[5].body.equals(big))
  assert.equal(parts[6].body.toString(), 'space')
  assert.equal(data, 1 + big.length + 5)
  assert.equal(await totalSize(await prepareSources([dir], { recursive: true, nocopy: false }), false), data)
})

test('--hidden includes dot files; several roots are siblings', async (t) => {
  const { dir } = await tree(t)
  const withHidden = await encode([dir], { recursive: true, hidden: true })
  assert.equal(withHidden.parts[1].headers['Content-Disposition'], disp('dir%2F.hidden'))
  assert.equal(withHidden.parts[1].body.toString(), 'H')

  const two = await encode([join(dir, 'a.txt'), join(dir, 'sub', 'sp ace.txt')], { recursive: false, hidden: false })
  assert.deepEqual(two.parts.map(p => p.headers['Content-Disposition']), [disp('a.txt'), disp('sp+ace.txt')])
})

test('exact bytes of a one-file body', async (t) => {
  const { dir } = await tree(t)
  const { raw } = await encode([join(dir, 'a.txt')], { recursive: false, hidden: false })
  assert.equal(raw.toString(),
    '--BOUNDARY\r\n' +
    `Abspath: ${join(dir, 'a.txt')}\r\n` +
    'Content-Disposition: form-data; name="file"; filename="a.txt"\r\n' +
    'Content-Type: application/octet-stream\r\n' +
    '\r\n' +
    'A' +
    '\r\n--BOUNDARY--\r\n')
})

test('argument checks', async (t) => {
  const { dir } = await tree(t)
  await assert.rejects(prepareSources([dir], { recursive: false, nocopy: false }), { message: `${dir} is a directory, but Recursive option is not set` })
  await assert.rejects(prepareSources([join(dir, 'nope')], { recursive: false, nocopy: false }), { message: `lstat ${join(dir, 'nope')}: no such file or directory` })
  await assert.rejects(prepareSources([join(dir, 'a.txt')], { recursive: false, nocopy: true }), { message: 'nocopy option is only valid for URLs' })
  const trailing = await prepareSources([dir + '/'], { recursive: true, nocopy: false })
  assert.equal(trailing[0].name, 'dir')
  const url = await prepareSources(['https://example.com/a/file.bin'], { recursive: false, nocopy: true })
  assert.deepEqual(url, [{ kind: 'url', name: 'file.bin', url: 'https://example.com/a/file.bin' }])
})

test('Go QueryEscape', () => {
  assert.equal(goQueryEscape("a b/c!'()*~-_.é"), 'a+b%2Fc%21%27%28%29%2A~-_.%C3%A9')
})
