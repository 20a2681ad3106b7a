// --https / --no-check-certificate against a TLS server with a self-signed certificate.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import https from 'node:https'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '../../src/ctl/client/client.js'
import { ApiError } from '../../src/ctl/client/errors.js'
import { cli } from './helpers.js'

test('TLS: verified by default, accepted with noVerifyCert', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ctl-tls-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' })
  const server = https.createServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (req, res) => {
    res.end(JSON.stringify({ version: `tls ${req.headers.authorization ?? ''}` }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.close() })
  const port = (server.address() as { port: number }).port
  const host = `/ip4/127.0.0.1/tcp/${port}`

  const strict = await Client.create({ hosts: host, ssl: true })
  await assert.rejects(strict.version(), (e: any) => e instanceof ApiError && e.code === 0)
  const lax = await Client.create({ hosts: host, ssl: true, noVerifyCert: true })
  assert.deepEqual(await lax.version(), { version: 'tls ' })

  // basic auth implies https
  const r = await cli(['--host', host, '--no-check-certificate', '--basic-auth', 'u:p', 'version'])
  assert.equal(r.code, 0, r.stdout + r.stderr)
  assert.equal(r.stdout, `tls Basic ${Buffer.from('u:p').toString('base64')}\n`)
  const s = await cli(['--host', host, '-s', 'version'])
  assert.equal(s.code, 1)
  assert.match(s.stdout, /Code: 0/)
})
