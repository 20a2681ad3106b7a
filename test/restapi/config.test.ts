// The api.restapi section: upstream's keys and defaults, validation, config.Strings, and the
// CLUSTER_RESTAPI_* environment overrides through the service config loader.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { restApiConfigSection } from '../../src/restapi/config.js'
import { ServiceConfig } from '../../src/config/service-config.js'

const section = restApiConfigSection
const parse = (json: Record<string, unknown>): ReturnType<typeof section.parse> =>
  section.parse({ ...section.toJSON(section.defaults()), ...json })

describe('restapi config section', () => {
  it('sits at api.restapi with the CLUSTER_RESTAPI prefix', () => {
    assert.deepEqual(section.path, ['api', 'restapi'])
    assert.equal(section.envPrefix, 'CLUSTER_RESTAPI')
  })

  it('writes upstream defaults', () => {
    const json = section.toJSON(section.defaults())
    assert.equal(json.http_listen_multiaddress, '/ip4/127.0.0.1/tcp/9094')
    assert.equal(json.read_timeout, '0s')
    assert.equal(json.read_header_timeout, '5s')
    assert.equal(json.write_timeout, '0s')
    assert.equal(json.idle_timeout, '2m0s')
    assert.equal(json.max_header_bytes, 4096)
    assert.equal(json.basic_auth_credentials, null)
    assert.equal(json.http_log_file, '')
    assert.deepEqual(json.headers, {})
    assert.deepEqual(json.cors_allowed_origins, ['*'])
    assert.deepEqual(json.cors_allowed_methods, ['GET'])
    assert.deepEqual(json.cors_allowed_headers, [])
    assert.deepEqual(json.cors_exposed_headers, ['Content-Type', 'X-Stream-Output', 'X-Chunked-Output', 'X-Content-Length'])
    assert.equal(json.cors_allow_credentials, true)
    assert.equal(json.cors_max_age, '0s')
  })

  it('round-trips through JSON', () => {
    const cfg = parse({
      http_listen_multiaddress: ['/ip4/0.0.0.0/tcp/9094', '/unix/tmp/api.sock'],
      read_timeout: '30s',
      basic_auth_credentials: { alice: 'secret' },
      headers: { 'X-A': ['1', '2'] },
      cors_max_age: '1m0s'
    })
    assert.deepEqual(section.parse(section.toJSON(cfg)), cfg)
    assert.equal(cfg.read_timeout, 30_000)
    assert.equal(cfg.cors_max_age, 60_000)
  })

  it('accepts http_listen_multiaddress as a string or a list (config.Strings)', () => {
    assert.deepEqual(parse({ http_listen_multiaddress: '/ip4/1.2.3.4/tcp/1' }).http_listen_multiaddress, ['/ip4/1.2.3.4/tcp/1'])
    const two = parse({ http_listen_multiaddress: ['/ip4/1.2.3.4/tcp/1', '/ip6/::1/tcp/2'] })
    assert.deepEqual(two.http_listen_multiaddress, ['/ip4/1.2.3.4/tcp/1', '/ip6/::1/tcp/2'])
    assert.deepEqual(section.toJSON(two).http_listen_multiaddress, ['/ip4/1.2.3.4/tcp/1', '/ip6/::1/tcp/2'])
    assert.equal(section.toJSON(parse({ http_listen_multiaddress: ['/ip4/1.2.3.4/tcp/1'] })).http_listen_multiaddress, '/ip4/1.2.3.4/tcp/1')
  })

  it('rejects listen addresses it cannot serve', () => {
    assert.throws(() => parse({ http_listen_multiaddress: '/dns4/example.com/tcp/1' }), /error parsing restapi.http_listen_multiaddress/)
    assert.throws(() => parse({ http_listen_multiaddress: '/ip4/1.2.3/tcp/1' }), /http_listen_multiaddress/)
    assert.throws(() => parse({ http_listen_multiaddress: '/ip4/1.2.3.4/udp/1' }), /http_listen_multiaddress/)
  })

  it('basic_auth_credentials: null or at least one entry', () => {
    assert.equal(parse({ basic_auth_credentials: null }).basic_auth_credentials, null)
    assert.throws(() => parse({ basic_auth_credentials: {} }), /basic_auth_creds should be null or have at least one entry/)
    assert.deepEqual(parse({ basic_auth_credentials: { a: 'b' } }).basic_auth_credentials, { a: 'b' })
  })

  it('max_header_bytes: 0 means the default, below 4096 is invalid', () => {
    assert.equal(parse({ max_header_bytes: 0 }).max_header_bytes, 4096)
    assert.equal(parse({ max_header_bytes: 16384 }).max_header_bytes, 16384)
    assert.throws(() => parse({ max_header_bytes: 1024 }), /max_header_bytes must be not less then 4096/)
  })

  it('rejects bad durations, negative durations, half a TLS or libp2p setup', () => {
    assert.throws(() => parse({ read_timeout: 'soon' }), /read_timeout/)
    assert.throws(() => parse({ idle_timeout: '-1s' }), /idle_timeout/)
    assert.throws(() => parse({ ssl_cert_file: 'cert.pem' }), /missing TLS configuration/)
    assert.throws(() => parse({ id: '12D3KooWxxx' }), /all ID, private_key and libp2p_listen_multiaddress should be set/)
  })

  it('takes a single string as a one-value header list', () => {
    assert.deepEqual(parse({ headers: { 'X-A': 'v' } }).headers, { 'X-A': ['v'] })
  })

  it('applies CLUSTER_RESTAPI_* environment overrides', () => {
    const env = {
      CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/1111,/ip4/127.0.0.1/tcp/2222',
      CLUSTER_RESTAPI_BASICAUTHCREDENTIALS: 'carol:pw1,dave:pw2',
      CLUSTER_RESTAPI_CORSALLOWEDORIGINS: 'http://a.example,http://b.example',
      CLUSTER_RESTAPI_MAXHEADERBYTES: '8192',
      CLUSTER_RESTAPI_READTIMEOUT: '45s',
      CLUSTER_RESTAPI_CORSALLOWCREDENTIALS: 'false',
      CLUSTER_RESTAPI_HEADERS: 'X-Env:yes'
    }
    const sc = new ServiceConfig('/nonexistent', { api: { restapi: {} } }, env)
    const cfg = sc.get(section)
    assert.deepEqual(cfg.http_listen_multiaddress, ['/ip4/127.0.0.1/tcp/1111', '/ip4/127.0.0.1/tcp/2222'])
    assert.deepEqual(cfg.basic_auth_credentials, { carol: 'pw1', dave: 'pw2' })
    assert.deepEqual(cfg.cors_allowed_origins, ['http://a.example', 'http://b.example'])
    assert.equal(cfg.max_header_bytes, 8192)
    assert.equal(cfg.read_timeout, 45_000)
    assert.equal(cfg.cors_allow_credentials, false)
    assert.deepEqual(cfg.headers, { 'X-Env': ['yes'] })
  })
})

describe('restapi config: libp2p-HTTP trio', () => {
  it('accepts an id that matches the private key, rejects one that does not', async () => {
    const { generateKeyPair, privateKeyToProtobuf } = await import('@libp2p/crypto/keys')
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const key = await generateKeyPair('Ed25519')
    const other = await generateKeyPair('Ed25519')
    const base = {
      ...section.toJSON(section.defaults()),
      libp2p_listen_multiaddress: '/ip4/127.0.0.1/tcp/0',
      private_key: Buffer.from(privateKeyToProtobuf(key)).toString('base64')
    }
    const ok = section.parse({ ...base, id: peerIdFromPrivateKey(key).toString() })
    assert.deepEqual(ok.libp2p_listen_multiaddress, ['/ip4/127.0.0.1/tcp/0'])
    assert.throws(() => section.parse({ ...base, id: peerIdFromPrivateKey(other).toString() }), /ID does not match private_key/)
    assert.throws(() => section.parse({ ...base, id: 'nope' }), /error parsing restapi.ID/)
  })
})
