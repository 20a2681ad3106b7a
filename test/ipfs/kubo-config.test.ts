// The ipfshttp and ipfsproxy config sections (upstream keys, defaults, env names) and the
// embedded/kubo backend choice `init --ipfs` writes.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ipfshttpConfigSection } from '../../src/ipfs/kubo/config.js'
import { applyIpfsBackend, parseIpfsBackend, selectIpfsBackend } from '../../src/ipfs/kubo/backend.js'
import { ipfsProxyConfigSection } from '../../src/ipfsproxy/config.js'
import { ServiceConfig } from '../../src/config/service-config.js'
import { embeddedIpfsConfigSection } from '../../src/ipfs/embedded/config.js'

describe('ipfs_connector.ipfshttp', () => {
  it('has upstream defaults and writes every key', () => {
    assert.deepEqual(ipfshttpConfigSection.toJSON(ipfshttpConfigSection.defaults()), {
      node_multiaddress: '/ip4/127.0.0.1/tcp/5001',
      connect_swarms_delay: '30s',
      ipfs_request_timeout: '5m0s',
      pin_timeout: '2m0s',
      unpin_timeout: '3h0m0s',
      repogc_timeout: '24h0m0s',
      informer_trigger_interval: 0,
      unpin_disable: false
    })
  })

  it('takes CLUSTER_IPFSHTTP_* overrides and validates', () => {
    const cfg = new ServiceConfig('/tmp', { ipfs_connector: { ipfshttp: { pin_timeout: '10s' } } }, {
      CLUSTER_IPFSHTTP_NODEMULTIADDRESS: '/dns4/ipfs/tcp/5001',
      CLUSTER_IPFSHTTP_UNPINDISABLE: 'true'
    }).get(ipfshttpConfigSection)
    assert.equal(cfg.node_multiaddress, '/dns4/ipfs/tcp/5001')
    assert.equal(cfg.unpin_disable, true)
    assert.equal(cfg.pin_timeout, 10_000)
    assert.throws(() => ipfshttpConfigSection.parse({ node_multiaddress: '/ip4/1.2.3.4/udp/1' }), /node_multiaddress/)
    assert.throws(() => ipfshttpConfigSection.parse({ pin_timeout: '0s' }), /pin_timeout/)
    assert.equal(ipfshttpConfigSection.parse({ node_multiaddress: '/unix/run/ipfs.sock' }).node_multiaddress, '/unix/run/ipfs.sock')
  })
})

describe('api.ipfsproxy', () => {
  it('has upstream defaults', () => {
    const d = ipfsProxyConfigSection.defaults()
    assert.deepEqual(d.listen_multiaddress, ['/ip4/127.0.0.1/tcp/9095'])
    assert.equal(d.node_multiaddress, '/ip4/127.0.0.1/tcp/5001')
    assert.equal(d.read_header_timeout, 5000)
    assert.equal(d.idle_timeout, 60_000)
    assert.equal(d.max_header_bytes, 4096)
    assert.equal(d.extract_headers_path, '/api/v0/version')
    assert.equal(d.extract_headers_ttl, 300_000)
    const j = ipfsProxyConfigSection.toJSON(d)
    assert.equal(j.listen_multiaddress, '/ip4/127.0.0.1/tcp/9095')
    assert.equal(j.idle_timeout, '1m0s')
  })

  it('takes CLUSTER_IPFSPROXY_* overrides', () => {
    const cfg = new ServiceConfig('/tmp', { api: { ipfsproxy: {} } }, {
      CLUSTER_IPFSPROXY_LISTENMULTIADDRESS: '/ip4/0.0.0.0/tcp/9095',
      CLUSTER_IPFSPROXY_NODEMULTIADDRESS: '/dns4/ipfs0/tcp/5001',
      CLUSTER_IPFSPROXY_EXTRACTHEADERSEXTRA: 'X-A,X-B'
    }).get(ipfsProxyConfigSection)
    assert.deepEqual(cfg.listen_multiaddress, ['/ip4/0.0.0.0/tcp/9095'])
    assert.equal(cfg.node_multiaddress, '/dns4/ipfs0/tcp/5001')
    assert.deepEqual(cfg.extract_headers_extra, ['X-A', 'X-B'])
    assert.throws(() => ipfsProxyConfigSection.parse({ max_header_bytes: 100 }), /max_header_size/)
  })
})

describe('IPFS backend choice', () => {
  const base = (): any => ({
    api: { ipfsproxy: ipfsProxyConfigSection.toJSON(ipfsProxyConfigSection.defaults()) },
    ipfs_connector: { embedded: embeddedIpfsConfigSection.toJSON(embeddedIpfsConfigSection.defaults()) }
  })

  it('init --ipfs kubo writes ipfshttp instead of embedded and points the proxy at kubo', () => {
    const json = base()
    applyIpfsBackend(json, parseIpfsBackend('kubo'), { CLUSTER_IPFSHTTP_NODEMULTIADDRESS: '/dns4/ipfs0/tcp/5001' })
    assert.equal(json.ipfs_connector.embedded, undefined)
    assert.equal(json.ipfs_connector.ipfshttp.node_multiaddress, '/dns4/ipfs0/tcp/5001')
    assert.equal(json.api.ipfsproxy.node_multiaddress, '/dns4/ipfs0/tcp/5001')
    assert.equal(selectIpfsBackend(new ServiceConfig('/tmp', json, {})), 'kubo')
  })

  it('embedded stays the default; both or neither is an error', () => {
    const json = base()
    applyIpfsBackend(json, parseIpfsBackend('embedded'), {})
    assert.equal(selectIpfsBackend(new ServiceConfig('/tmp', json, {})), 'embedded')
    json.ipfs_connector.ipfshttp = {}
    assert.throws(() => selectIpfsBackend(new ServiceConfig('/tmp', json, {})), /both/)
    assert.throws(() => selectIpfsBackend(new ServiceConfig('/tmp', {}, {})), /no IPFS connector/)
    assert.throws(() => parseIpfsBackend('go-ipfs'), /unknown IPFS backend/)
  })
})
