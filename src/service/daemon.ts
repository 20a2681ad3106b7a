// `cluster-service daemon`: builds every component from service.json and runs the peer until
// a signal. Upstream's startup order: lock → config → datastore → host → components → core →
// APIs; shutdown runs it backwards.
import type { Logger } from 'pino'
import { peerIdFromString } from '@libp2p/peer-id'
import { ServiceConfig } from '../config/service-config.js'
import { loadIdentity } from '../config/identity.js'
import { clusterConfigSection } from '../cluster/config.js'
import { Cluster } from '../cluster/cluster.js'
import { crdtConfigSection } from '../consensus/config.js'
import { CrdtConsensus } from '../consensus/consensus.js'
import { pubsubTopic } from '../consensus/topic.js'
import { registerConsensusRpc, rpcDeltaFetcher } from '../consensus/rpc.js'
import { registerStatusRpc, withBatchedStatus } from '../cluster/status-rpc.js'
import { datastoreConfigSection } from '../datastore/config.js'
import { openDatastore } from '../datastore/open.js'
import { createClusterHost } from '../host/host.js'
import { TopicChannel } from '../host/topic.js'
import { BandwidthMeter } from '../host/bandwidth.js'
import { createIpfsConnector } from '../ipfs/kubo/backend.js'
import { ipfsProxyConfigSection, IpfsProxy, clusterRepoStat, registerRepoStatRpc } from '../ipfsproxy/index.js'
import { pinTrackerConfigSection } from '../pintracker/config.js'
import { StatelessPinTracker } from '../pintracker/tracker.js'
import { monitorConfigSection, PeerMonitor, METRICS_TOPIC } from '../monitor/index.js'
import { allocatorConfigSection, BalancedAllocator, allocate, rankPeers, groupMetricName, groupOfFromMetrics, MISSING_SECTION_ALLOCATE_BY } from '../allocator/index.js'
import { createCodec } from '../erasure/codecs.js'
import { diskConfigSection, DiskInformer, tagsConfigSection, TagsInformer, MetricsPublisher } from '../informer/index.js'
import type { Informer } from '../informer/index.js'
import { PingMetricSource, pingMetric } from '../informer/ping.js'
import { pinqueueConfigSection, PinQueueInformer } from '../informer/pinqueue.js'
import { restApiConfigSection } from '../restapi/config.js'
import { RestApi } from '../restapi/server.js'
import { pinSvcApiConfigSection, PinSvcApi } from '../pinsvcapi/index.js'
import { metricsConfigSection, ClusterMetrics, metricsSourceOf, startMetrics } from '../observations/index.js'
import { acquireLock } from './lock.js'
import { startHeapTrimmer } from './heap-trim.js'
import { setHeapGrowth } from './heap-growth.js'
import { errorMessage } from '../api/errors.js'
import { RpcServer } from '../rpc/server.js'
import { RpcClient } from '../rpc/client.js'
import { RemoteCluster } from '../rpc/remote.js'
import { registerClusterRpc } from '../rpc/methods.js'
import { PeerManager } from '../host/peer-manager.js'

export interface DaemonOptions {
  dir: string
  logger: (facility: string) => Logger
  bootstrap: string[]
  trustBootstrap: boolean
  stats: boolean
  leave: boolean
  /** changes to the loaded configuration (the follower: follower mode, its own REST API) */
  edit?: (config: ServiceConfig) => void
}

type Stoppable = () => Promise<void> | void

export async function runDaemon (o: DaemonOptions): Promise<number> {
  const log = o.logger('service')
  let config: ServiceConfig
  try {
    config = await ServiceConfig.load(o.dir)
    o.edit?.(config)
  } catch (err) {
    process.stderr.write(`error: ${errorMessage(err)}\n`)
    return 1
  }
  const release = await acquireLock(o.dir)
  const teardown: Array<[string, Stoppable]> = [['lock', release]]
  const shutdown = async (): Promise<void> => {
    for (const [name, stop] of teardown.reverse().splice(0)) {
      try {
        await stop()
      } catch (err) {
        log.error({ component: name, err: errorMessage(err) }, 'error during shutdown')
      }
    }
  }

  try {
    const clusterCfg = config.get(clusterConfigSection)
    // `daemon --stats` turns metrics on whatever service.json says (upstream's flag)
    const metricsCfg = config.get(metricsConfigSection)
    if (o.stats) metricsCfg.enable_stats = true
    // created before the components so that they can record into it (noopMetrics otherwise)
    const metrics = metricsCfg.enable_stats ? new ClusterMetrics() : undefined
    const identity = await loadIdentity(o.dir)
    const peerId = identity.id

    const growth = setHeapGrowth()
    if (growth != null) teardown.push(['heap-growth', () => { growth.stop() }])
    const trimmer = await startHeapTrimmer(log)
    if (trimmer != null) teardown.push(['heap-trim', () => { trimmer.stop() }])

    const ds = await openDatastore(o.dir, config.get(datastoreConfigSection))
    teardown.push(['datastore', async () => { await ds.close() }])

    const bandwidth = new BandwidthMeter()
    const host = await createClusterHost(clusterCfg, identity.privateKey, bandwidth)
    await host.start()
    teardown.push(['host', async () => { await host.stop() }])
    log.info({ peer: peerId, addresses: host.getMultiaddrs().map(a => a.toString()) }, 'cluster host listening')

    const { backend: ipfsBackend, connector: ipfs } = createIpfsConnector(config, {
      configDir: o.dir,
      host,
      logger: o.logger('ipfs'),
      // kubo only; both run after startup, when cluster and publisher exist
      peerIpfsAddresses: async signal => {
        const out: string[] = []
        for await (const id of cluster.peers({ signal })) {
          if (id.id !== peerId && id.error === '' && id.ipfs.error === '') out.push(...(id.ipfs.addresses ?? []))
        }
        return out
      },
      triggerInformers: () => { void publisher.sendNow().catch(() => {}) }
    })
    await ipfs.start()
    teardown.push(['ipfs', async () => { await ipfs.stop() }])

    const metricsTopic = new TopicChannel(host, METRICS_TOPIC)
    const monitor = new PeerMonitor({
      config: config.get(monitorConfigSection),
      transport: {
        publish: async data => { await metricsTopic.publish(data) },
        subscribe: handler => metricsTopic.subscribe(m => { handler(m.data, m.from) })
      },
      logger: o.logger('monitor'),
      peerId,
      recordAlerts: !clusterCfg.follower_mode
    })
    monitor.start()
    teardown.push(['monitor', async () => { await monitor.stop() }])

    const rpcClient = new RpcClient({ host, logger: o.logger('rpc') })
    const remote = new RemoteCluster(rpcClient)

    const crdtCfg = config.get(crdtConfigSection)
    // The tracker reads the pinset from consensus and consensus feeds the tracker: the hooks
    // close over the tracker, which exists before consensus starts delivering.
    let tracker: StatelessPinTracker | undefined
    const consensusLog = o.logger('crdt')
    const consensus = new CrdtConsensus({
      config: crdtCfg,
      datastore: ds,
      selfId: peerId,
      broadcaster: new TopicChannel(host, pubsubTopic(crdtCfg.clusterName)),
      fetcher: rpcDeltaFetcher(rpcClient),
      hooks: {
        onPut: async pin => { await tracker?.track(pin) },
        onDelete: cid => { tracker?.untrack(cid) }
      },
      logger: {
        debug: m => consensusLog.debug(m),
        info: m => consensusLog.info(m),
        warn: m => consensusLog.warn(m),
        error: m => consensusLog.error(m)
      }
    })

    tracker = new StatelessPinTracker({
      config: config.get(pinTrackerConfigSection),
      ipfs,
      state: consensus,
      self: {
        peer: peerId,
        peername: () => clusterCfg.peername,
        ipfsId: () => ({ id: peerId, addresses: host.getMultiaddrs().map(a => a.toString()) })
      },
      logger: o.logger('pintracker')
    })
    tracker.start()
    const pinTracker = tracker
    teardown.push(['pintracker', async () => { await pinTracker.stop() }])

    await consensus.start()
    teardown.push(['consensus', async () => { await consensus.stop() }])
    // as go-ds-crdt: a store marked dirty (`state crdt mark-dirty`, a crash mid-merge) is
    // repaired right at start, then every repair_interval
    if (crdtCfg.repairInterval > 0 && consensus.info().dirty) {
      consensusLog.warn('store is marked dirty. Starting DAG repair operation')
      consensus.repair().then(
        () => { consensusLog.info(`DAG repair finished. Dirty: ${String(consensus.info().dirty)}`) },
        err => { consensusLog.error(`DAG repair: ${errorMessage(err)}`) })
    }

    const allocateBy = config.has(allocatorConfigSection) ? config.get(allocatorConfigSection).allocateBy : [...MISSING_SECTION_ALLOCATE_BY]
    const balanced = new BalancedAllocator({ allocateBy })
    const trust = {
      isTrusted: (p: string) => consensus.isTrustedPeer(p),
      onlyTrusted: clusterCfg.pin_only_on_trusted_peers,
      onlyUntrusted: clusterCfg.pin_only_on_untrusted_peers
    }

    const codec = createCodec()
    teardown.push(['codec', async () => { await codec.close() }])

    const addresses = (): string[] => host.getMultiaddrs().map(a => a.toString())
    const peerAddresses = async (peer: string): Promise<string[]> => {
      try {
        const stored = await host.peerStore.get(peerIdFromString(peer))
        return stored.addresses.map(a => `${a.multiaddr.toString()}/p2p/${peer}`)
      } catch {
        return []
      }
    }
    // only peers of the peerset are allocated (read when allocating, once per request)
    const members = (): ReadonlySet<string> => new Set(cluster.peerset())
    const cluster = new Cluster({
      peerId,
      config: clusterCfg,
      addresses,
      peerAddresses,
      bandwidth: () => bandwidth.byProtocol(),
      ipfs,
      consensus,
      tracker: pinTracker,
      monitor: { ...bindMonitor(monitor) },
      allocator: {
        allocate: async req => allocate(balanced, { ...req, metricsByName: name => monitor.latestMetrics(name), trust, members: members() })
      },
      remote: withBatchedStatus(remote, rpcClient),
      logger: o.logger('cluster'),
      codec,
      ranking: exclude => rankPeers(balanced, { metricsByName: name => monitor.latestMetrics(name), exclude, trust, members: members() }),
      groupOf: peer => {
        const tag = groupMetricName(allocateBy)
        return tag == null ? undefined : groupOfFromMetrics(monitor.latestMetrics(tag))(peer)
      },
      recordAdd: bytes => metrics?.recordAdd(bytes),
      recordRepair: bytes => metrics?.recordRepair(bytes)
    })

    const informerLog = o.logger('informer')
    const informers: Informer[] = []
    if (config.has(diskConfigSection)) informers.push(new DiskInformer(config.get(diskConfigSection), ipfs, err => informerLog.warn({ err: errorMessage(err) }, 'disk informer')))
    if (config.has(tagsConfigSection)) informers.push(new TagsInformer(config.get(tagsConfigSection)))
    if (config.has(pinqueueConfigSection)) informers.push(new PinQueueInformer(config.get(pinqueueConfigSection), () => pinTracker.pinQueueSize()))
    const publisher = new MetricsPublisher({
      peerId,
      monitor,
      informers,
      ping: new PingMetricSource({
        peerId,
        peerName: clusterCfg.peername,
        pingIntervalMs: clusterCfg.monitor_ping_interval,
        ipfsId: async signal => await ipfs.id({ signal })
      }),
      pingIntervalMs: clusterCfg.monitor_ping_interval,
      logger: informerLog
    })
    publisher.start()
    teardown.push(['informers', async () => { await publisher.stop() }])

    const peers = new PeerManager({
      host,
      dir: o.dir,
      config: clusterCfg,
      logger: o.logger('pstoremgr'),
      exchange: async peer => await remote.knownPeers(peer, { signal: AbortSignal.timeout(clusterCfg.dial_peer_timeout * 2) }),
      onConnect: async peer => {
        // upstream Join: the new peer appears in the peerset at once, and sees our metrics
        monitor.logMetric(pingMetric(peer, {}, 2 * clusterCfg.monitor_ping_interval))
        await publisher.sendNow()
      }
    })

    rpcClient.findPeer = async peer => await peers.findPeer(peer)
    const rpcServer = new RpcServer({ host, logger: o.logger('rpc'), isTrusted: p => consensus.isTrustedPeer(p) })
    registerClusterRpc(rpcServer, { cluster, tracker: pinTracker, ipfs, consensus, knownPeers: async () => await peers.knownAddresses() })
    registerRepoStatRpc(rpcServer, ipfs)
    registerConsensusRpc(rpcServer, consensus)
    registerStatusRpc(rpcServer, pinTracker)
    await rpcServer.start()
    teardown.push(['rpc', async () => { await rpcServer.stop() }])
    await peers.start()
    teardown.push(['peerstore', async () => { await peers.stop() }])

    cluster.start()
    teardown.push(['cluster', () => { cluster.stop() }])

    if (config.has(restApiConfigSection)) {
      const api = new RestApi({ ...config.get(restApiConfigSection), base_dir: o.dir }, cluster, o.logger('restapi'))
      await api.start()
      teardown.push(['restapi', async () => { await api.stop() }])
      log.info({ addresses: api.addresses }, 'REST API listening')
    }

    if (config.has(ipfsProxyConfigSection)) {
      const proxyLog = o.logger('ipfsproxy')
      const proxy = new IpfsProxy({
        config: { ...config.get(ipfsProxyConfigSection), base_dir: o.dir },
        cluster,
        ipfs,
        forwardToNode: ipfsBackend === 'kubo',
        repoStat: clusterRepoStat({ selfId: peerId, peers: () => cluster.peerset(), ipfs, rpc: rpcClient, logger: proxyLog }),
        logger: proxyLog
      })
      await proxy.start()
      teardown.push(['ipfsproxy', async () => { await proxy.stop() }])
    }

    if (config.has(pinSvcApiConfigSection)) {
      const pinsvc = new PinSvcApi({ ...config.get(pinSvcApiConfigSection), base_dir: o.dir }, cluster, o.logger('pinsvcapi'))
      await pinsvc.start()
      teardown.push(['pinsvcapi', async () => { await pinsvc.stop() }])
      log.info({ addresses: pinsvc.addresses }, 'Pinning Service API listening')
    }

    if (metrics != null) {
      const stats = await startMetrics({
        config: metricsCfg,
        metrics,
        source: metricsSourceOf({
          pins: opts => consensus.list(opts),
          peers: () => cluster.peerset(),
          localStatuses: opts => pinTracker.statusAll(0, opts)
        }),
        logger: o.logger('observations')
      })
      teardown.push(['metrics', async () => { await stats.stop() }])
    }

    for (const addr of o.bootstrap) {
      const peer = await peers.join(addr).catch(err => { log.error({ addr, err: errorMessage(err) }, 'bootstrap failed'); return undefined })
      if (peer != null && o.trustBootstrap) consensus.trust(peer)
    }
    log.info({ peer: peerId }, 'IPFS Cluster is READY')
  } catch (err) {
    log.fatal({ err: errorMessage(err) }, 'cannot start the peer')
    await shutdown()
    process.stderr.write(`error: ${errorMessage(err)}\n`)
    return 1
  }

  return await new Promise<number>(resolve => {
    let signals = 0
    const onSignal = (sig: string): void => {
      signals++
      if (signals === 1) {
        log.info({ signal: sig }, 'shutting down')
        void shutdown().then(() => resolve(0))
      } else if (signals === 2) {
        log.warn('Shutdown is taking too long! Press Ctrl-c again to force an exit')
      } else {
        resolve(1)
      }
    }
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => onSignal(s))
  })
}

function bindMonitor (monitor: PeerMonitor): import('../cluster/components.js').Monitor {
  return {
    peers: () => monitor.peers(),
    latestMetrics: name => monitor.latestMetrics(name),
    latestForPeer: (name, peer) => monitor.latestForPeer(name, peer),
    metricNames: () => monitor.metricNames(),
    alerts: () => monitor.alerts(),
    onAlert: listener => monitor.onAlert(listener)
  }
}
