// The kubo connector against a cluster peer's IPFS proxy (embedded node: the proxy is the
// kubo-compatible server), and against a real kubo when CLUSTER_TEST_KUBO_API gives its API.
import { after, before, describe, it } from 'node:test'
import { startDaemon, freePort } from '../harness/daemon.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { ctlOk } from '../harness/ctl.js'
import { ipfsProxyConfigSection } from '../../src/ipfsproxy/config.js'
import { runConnectorSuite, waitFor } from './kubo-connector-suite.js'

describe('KuboConnector against a cluster IPFS proxy (embedded node)', { timeout: 300_000 }, () => {
  let d: DaemonHandle
  let proxy: string
  let wired = false

  before(async () => {
    const port = await freePort()
    d = await startDaemon({
      configure: json => {
        json.api.ipfsproxy ??= ipfsProxyConfigSection.toJSON(ipfsProxyConfigSection.defaults())
        json.api.ipfsproxy.listen_multiaddress = `/ip4/127.0.0.1/tcp/${port}`
      }
    })
    proxy = `/ip4/127.0.0.1/tcp/${port}`
    wired = await proxyAnswers(port)
  })

  after(async () => {
    await d?.stop()
    d?.cleanup()
  })

  it('implements every IpfsConnector method over the kubo RPC API', async t => {
    if (!wired) {
      t.skip('the daemon does not run the IPFS proxy yet (daemon.ts wiring of src/ipfsproxy missing)')
      return
    }
    await runConnectorSuite(t, proxy, {
      viaClusterProxy: true,
      settled: async cid => {
        await waitFor(`${cid} pinned`, async () => /PINNED|UNPINNED/.test(await ctlOk(['status', cid], { host: d.apiMultiaddr })))
      }
    })
  })
})

describe('KuboConnector against a real kubo (CLUSTER_TEST_KUBO_API)', { timeout: 300_000 }, () => {
  it('implements every IpfsConnector method', async t => {
    const api = process.env.CLUSTER_TEST_KUBO_API
    if (api == null || api === '') {
      t.skip('set CLUSTER_TEST_KUBO_API to a kubo RPC API multiaddr (e.g. /ip4/127.0.0.1/tcp/5001) to run the connector against real kubo')
      return
    }
    await runConnectorSuite(t, api, { viaClusterProxy: false })
  })
})

async function proxyAnswers (port: number): Promise<boolean> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/v0/version`, { method: 'POST', signal: AbortSignal.timeout(2000) })
      if (r.status === 200) return true
    } catch { /* not listening */ }
    await new Promise(resolve => setTimeout(resolve, 300))
  }
  return false
}
