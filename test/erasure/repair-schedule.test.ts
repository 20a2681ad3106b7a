// When automatic repair acts: a holder counts as lost only once it has been out for the whole
// grace period, counted from its latest departure (OutageClock), and a sweep runs when an
// alerted peer's grace period ends and every grace period besides (EcAutoRepair). The repair
// itself is exercised on real daemons in test/erasure-cluster/recover.test.ts; here the
// cluster view is set by the test, so the timing rule is asserted exactly.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { EcAutoRepair } from '../../src/cluster/erasure/repair-auto.js'
import { OutageClock } from '../../src/cluster/erasure/outages.js'
import type { ErasureContext } from '../../src/cluster/erasure/context.js'
import { newMetric } from '../../src/monitor/metric.js'

const PEER = 'peer-x'

/** A cluster view where PEER's presence and its last ping's expiry are set by the test. */
class View {
  live = false
  lastPingExpiry = 0
  ctx (grace: number): ErasureContext {
    return {
      peerId: 'self',
      config: { ec_repair_grace_period: grace },
      peerset: () => this.live ? ['self', PEER] : ['self'],
      monitor: {
        latestForPeer: (_name: string, peer: string) => peer === PEER && this.lastPingExpiry > 0 ? newMetric({ name: 'ping', peer, valid: true, expire: this.lastPingExpiry * 1e6 }) : undefined
      }
    } as unknown as ErasureContext
  }
}

describe('OutageClock', () => {
  const G = 1000

  it('a peer is overdue once out for the grace period after its last ping expired', () => {
    const view = new View()
    view.lastPingExpiry = 5000
    const clock = new OutageClock(view.ctx(G), G, 0)
    assert.equal(clock.since(PEER), 5000)
    assert.equal(clock.overdue(PEER, 5999), false)
    assert.equal(clock.overdue(PEER, 6000), true)
  })

  it('a peer in the peerset has no outage', () => {
    const view = new View()
    view.live = true
    view.lastPingExpiry = 5000
    const clock = new OutageClock(view.ctx(G), G, 0)
    clock.down(PEER, 5000)
    assert.equal(clock.since(PEER), undefined)
    assert.equal(clock.overdue(PEER, 100_000), false)
  })

  it('times a peer that came back and left again from its latest departure', () => {
    const view = new View()
    const clock = new OutageClock(view.ctx(G), G, 0)
    clock.down(PEER, 5000)
    // back, then out again: its last ping expired at 5500, before a new alert arrived
    view.lastPingExpiry = 5500
    assert.equal(clock.overdue(PEER, 6000), false)
    assert.equal(clock.overdue(PEER, 6500), true)
    // a later alert wins over an earlier ping
    clock.down(PEER, 7000)
    assert.equal(clock.since(PEER), 7000)
  })

  it('a peer never heard from is out since this daemon started', () => {
    const view = new View()
    const clock = new OutageClock(view.ctx(G), G, 3000)
    assert.equal(clock.since(PEER), 3000)
    assert.equal(clock.overdue(PEER, 3999), false)
    assert.equal(clock.overdue(PEER, 4000), true)
  })

  it('nextDue is the earliest end of a grace period still to come, and forgets returned peers', () => {
    const view = new View()
    const clock = new OutageClock(view.ctx(G), G, 0)
    clock.down(PEER, 5000)
    assert.equal(clock.nextDue(5500), 6000)
    assert.equal(clock.nextDue(6000), undefined)
    view.live = true
    assert.equal(clock.nextDue(5500), undefined)
    view.live = false
    view.lastPingExpiry = 0
    // forgotten: only a new alert (or the periodic sweep) brings it back
    assert.equal(clock.nextDue(5500), undefined)
  })
})

/** Records, for every sweep, whether PEER counted as lost at the time it judged. */
class RecordingRepair extends EcAutoRepair {
  readonly sweeps: boolean[] = []
  override async sweep (now = Date.now()): Promise<void> {
    this.sweeps.push(this.outages.overdue(PEER, now))
  }
}

describe('EcAutoRepair schedule', () => {
  const G = 1000

  it('sweeps when an alerted peer\'s grace period ends, then every grace period', async () => {
    const view = new View()
    const repair = new RecordingRepair(view.ctx(G))
    repair.start() // periodic sweep at 1000
    await sleep(300)
    const since = Date.now()
    view.lastPingExpiry = since
    repair.peerDown(PEER, since) // its grace period ends at 1300
    await sleep(850)
    assert.deepEqual(repair.sweeps, [false], 'the periodic sweep, before the peer is overdue')
    await sleep(400)
    // a timer may fire a millisecond early: then a second one follows at once
    assert.equal(repair.sweeps.filter(Boolean).length, 1, 'the alerted peer\'s, once it is overdue')
    assert.ok(repair.sweeps.length <= 3)
    const n = repair.sweeps.length
    await sleep(1100)
    assert.equal(repair.sweeps.length, n + 1, 'periodic again, a grace period later')
    repair.stop()
  })

  it('stop() cancels what is pending', async () => {
    const view = new View()
    const repair = new RecordingRepair(view.ctx(G))
    repair.start()
    repair.peerDown(PEER, Date.now())
    repair.stop()
    await sleep(G * 1.5)
    assert.equal(repair.sweeps.length, 0)
  })
})
