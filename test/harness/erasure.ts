// Helpers of the erasure-coding cluster tests: add --erasure through cluster-ctl, and read an EC
// file's shard pins back from `pin ls`.
import assert from 'node:assert/strict'
import type { DaemonHandle } from './daemon.js'
import { ctlOk, runCtl } from './ctl.js'
import { parseStream, waitFor } from './wait.js'

export interface ShardPlace {
  cid: string
  stripe: number
  shard: number
  holder: string
}

/** add --erasure through `d`; returns the content root CID. */
export async function ecAdd (d: DaemonHandle, args: string[]): Promise<string> {
  // a restarted peer is in the peerset before its first metrics reach the allocator
  const text = await waitFor(async () => {
    const r = await runCtl(['--enc=json', 'add', '--erasure', ...args], { host: d.apiMultiaddr, timeoutMs: 180_000 })
    if (r.code === 0) return r.stdout
    if (!/not enough live peers/.test(r.stdout)) throw new Error(`add failed: ${r.stdout}${r.stderr}`)
    return undefined
  }, 120_000)
  const out = parseStream(text)
  return out[out.length - 1].cid
}

/** Shard pins of the EC file whose content root is `root`, as `d` sees them. */
export async function shardsOf (d: DaemonHandle, root: string): Promise<ShardPlace[]> {
  const pins = parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: d.apiMultiaddr }))
  const meta = pins.find(p => p.cid === root)
  assert.ok(meta?.erasure != null, 'meta pin with erasure info')
  return pins.filter(p => p.type === 'shard-pin' && p.erasure?.manifest === meta.erasure.manifest && p.erasure.stripe != null)
    .map(p => ({ cid: p.cid, stripe: p.erasure.stripe, shard: p.erasure.shard, holder: p.allocations[0] }))
}
