// The api.pinsvcapi section: the common API schema on 9097 with the CLUSTER_PINSVCAPI_ prefix.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ServiceConfig } from '../../src/config/service-config.js'
import { pinSvcApiConfigSection, DEFAULT_PINSVCAPI_LISTEN } from '../../src/pinsvcapi/config.js'

describe('pinsvcapi config', () => {
  it('defaults: 127.0.0.1:9097, no auth, the common CORS defaults', () => {
    const cfg = pinSvcApiConfigSection.defaults()
    assert.equal(DEFAULT_PINSVCAPI_LISTEN, '/ip4/127.0.0.1/tcp/9097')
    assert.deepEqual(cfg.http_listen_multiaddress, ['/ip4/127.0.0.1/tcp/9097'])
    assert.equal(cfg.basic_auth_credentials, null)
    assert.deepEqual(cfg.cors_allowed_origins, ['*'])
    assert.deepEqual(pinSvcApiConfigSection.path, ['api', 'pinsvcapi'])
    assert.equal(pinSvcApiConfigSection.toJSON(cfg).http_listen_multiaddress, '/ip4/127.0.0.1/tcp/9097')
  })

  it('environment overrides use CLUSTER_PINSVCAPI_ and upstream key spellings', () => {
    const json = { api: { pinsvcapi: { http_listen_multiaddress: '/ip4/127.0.0.1/tcp/9097' } } }
    const sc = new ServiceConfig('/nonexistent', json, {
      CLUSTER_PINSVCAPI_HTTPLISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/19097',
      CLUSTER_PINSVCAPI_BASICAUTHCREDENTIALS: 'alice:pw',
      CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/1'
    })
    assert.ok(sc.has(pinSvcApiConfigSection))
    const cfg = sc.get(pinSvcApiConfigSection)
    assert.deepEqual(cfg.http_listen_multiaddress, ['/ip4/127.0.0.1/tcp/19097'])
    assert.deepEqual(cfg.basic_auth_credentials, { alice: 'pw' })
  })

  it('a missing section is a disabled API; invalid values are refused', () => {
    assert.equal(new ServiceConfig('/nonexistent', { api: {} }, {}).has(pinSvcApiConfigSection), false)
    const bad = new ServiceConfig('/nonexistent', { api: { pinsvcapi: { basic_auth_credentials: {} } } }, {})
    assert.throws(() => bad.get(pinSvcApiConfigSection), /pinsvcapi\.basic_auth_creds should be null or have at least one entry/)
  })
})
