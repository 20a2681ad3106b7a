// The real bin (node bin/cluster-ctl.js) and its exit codes for local errors.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join, dirname } from 'node:path'
import { tmpdir } from 'node:os'
import { closedPort } from './helpers.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const BIN = join(ROOT, 'bin', 'cluster-ctl.js')

function run (args: string[]): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

test('closed port: error object on stdout, exit 1', async () => {
  const port = await closedPort()
  const r = run(['--host', `/ip4/127.0.0.1/tcp/${port}`, 'id'])
  assert.equal(r.code, 1)
  assert.equal(r.stdout, `An error occurred:\n  Code: 0\n  Message: Get "http://127.0.0.1:${port}/id": dial tcp 127.0.0.1:${port}: connect: connection refused\n`)
  const j = run(['--host', `/ip4/127.0.0.1/tcp/${port}`, '--enc=json', 'peers', 'ls'])
  assert.equal(j.code, 1)
  assert.equal(JSON.parse(j.stdout).code, 0)
})

test('local errors exit 1; version and help exit 0', () => {
  assert.equal(run(['--enc=xml', 'id']).code, 1)
  const dir = run(['add', tmpdir()])
  assert.equal(dir.code, 1)
  assert.match(dir.stderr, /is a directory, but Recursive option is not set/)
  assert.equal(run(['add']).code, 1)
  const v = run(['--version'])
  assert.deepEqual([v.code, v.stdout], [0, 'cluster-ctl version 1.1.6\n'])
  assert.equal(run(['--help']).code, 0)
  assert.notEqual(run(['peers', 'add']).code, 0)
})
