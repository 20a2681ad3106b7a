// bench/repin: a peer holding N pins alone (replication 1) stops, and the cluster re-allocates
// them to the others (upstream's repinFromPeer, on the ping alert). 4 real daemons, repinning
// on; every peer has the blocks, so the new holders pin at once. Prints JSON: seconds from the
// stop until the first pin moved (the ping's expiry and the alert), seconds from the first to
// the last pin moved, and pins/s re-allocated.
//   node dist/bench/repin.js [pins]
import { startCluster } from '../test/harness/cluster.js'
import { cpuSeconds, profileEnv } from './proc.js'
import { BenchHttp, cidsOf } from './pin-blocks.js'

const PINS = Number(process.argv[2] ?? 5000)
const CONCURRENCY = 64
const web = new BenchHttp(CONCURRENCY + 8)
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

const cids = await cidsOf(PINS)
const cluster = await startCluster(4, { ...profileEnv(), configure: json => { json.cluster.disable_repinning = false } })
try {
  const peers = cluster.peers
  const [p0] = peers
  const victim = peers[3]
  await cluster.waitMetric('freespace', peers.length, [p0])
  for (const p of peers) await web.addBlocks(p, PINS, true)
  let next = 0
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < PINS) {
      const res = await web.request(`${p0.apiUrl}/pins/${cids[next++]}?replication-min=1&replication-max=1&user-allocations=${victim.peerId}`, 'POST')
      if (res.status !== 200) throw new Error(`pin: ${res.status} ${res.body.toString().slice(0, 300)}`)
    }
  }))
  // /allocations lines naming the victim: the pins still allocated to it
  const onVictim = async (): Promise<number> => (await web.request(`${p0.apiUrl}/allocations`)).body.toString().split('\n').filter(l => l.includes(victim.peerId)).length
  while (await onVictim() < PINS) await sleep(500)
  const others = peers.slice(0, 3)
  const cpuBefore = others.map(p => cpuSeconds(p.proc.pid as number))
  const stopped = performance.now()
  await victim.stop()
  let first: number | undefined
  for (let left = PINS; left > 0;) {
    await sleep(100)
    left = await onVictim()
    if (first === undefined && left < PINS) first = performance.now()
  }
  const done = performance.now()
  const moveSeconds = (done - (first ?? done)) / 1000
  console.log(JSON.stringify({
    bench: 'repin',
    peers: peers.length,
    pins: PINS,
    seconds_until_first_pin_moved: Number((((first ?? done) - stopped) / 1000).toFixed(1)),
    seconds_first_to_last_pin_moved: Number(moveSeconds.toFixed(2)),
    pins_per_second_moved: Math.round(PINS / Math.max(moveSeconds, 0.1)),
    cpu_seconds_per_remaining_peer: others.map((p, i) => Number((cpuSeconds(p.proc.pid as number) - cpuBefore[i]).toFixed(1)))
  }, null, 2))
} finally {
  web.destroy()
  await cluster.stopAll()
}
