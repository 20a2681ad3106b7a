import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import vm from 'node:vm'
import { GROWTH_BYTES, HeapTrimmer, IDLE_MS, QUIET_MS, STEP_BYTES, hasGlibc, keepFreedMemory, loadGlibcMalloc } from '../../src/service/heap-trim.js'

// glibc machines (these, and the Docker image) must have it: elsewhere it is a no-op
const glibc = hasGlibc()

describe('HeapTrimmer', () => {
  it('gives back memory that freed buffers left with the allocator', { skip: glibc ? false : 'not glibc' }, async () => {
    const malloc = await loadGlibcMalloc()
    assert.ok(malloc != null)
    // as the daemon runs: glibc gives nothing back on its own
    assert.equal(keepFreedMemory(malloc), true)
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc') as () => void
    // 120 MiB of buffers below the mmap threshold; every tenth stays alive, so the freed ones
    // are holes in the allocator's heap that free() alone cannot hand back
    let bufs: Uint8Array[] | undefined = Array.from({ length: 2000 }, () => new Uint8Array(60 * 1024).fill(1))
    const keep = bufs.filter((_, i) => i % 10 === 0)
    bufs = undefined
    gc()
    gc()
    await new Promise(resolve => setTimeout(resolve, 100))
    const trimmer = new HeapTrimmer(malloc.trim)
    const released = trimmer.trimNow()
    assert.ok(released > 50 * 1024 * 1024, `released only ${released} bytes`)
    assert.equal(trimmer.stats.trims, 1)
    assert.equal(keep.every(b => b[0] === 1 && b[b.length - 1] === 1), true)
  })

  it('trims a resting process once it grew STEP_BYTES, a working one only past GROWTH_BYTES', () => {
    const MiB = 1024 * 1024
    // a process whose memory, CPU and clock the test moves; a trim gives back what is free
    const p = { rss: 200 * MiB, free: 0, cpu: 0, now: 0 }
    let calls = 0
    const trimmer = new HeapTrimmer(() => { calls++; p.rss -= p.free; p.free = 0; return 1 }, { rss: () => p.rss, cpuMs: () => p.cpu, nowMs: () => p.now })
    const look = (grow: number, cpuMs: number): void => {
      p.rss += grow
      p.free += grow
      p.cpu += cpuMs
      p.now += 500
      trimmer.check()
    }
    look(GROWTH_BYTES - MiB, 400)
    assert.equal(calls, 0, 'working, grown less than GROWTH_BYTES: freed memory stays for the next buffers')
    look(2 * MiB, 400)
    assert.equal(calls, 1, 'working and past GROWTH_BYTES')
    assert.equal(p.rss, 200 * MiB)
    look(STEP_BYTES + MiB, 400)
    for (let quiet = 500; quiet < QUIET_MS; quiet += 500) {
      look(0, 1)
      assert.equal(calls, 1, `quiet for ${quiet} ms: a pause in the work, not rest`)
    }
    look(0, 1)
    assert.equal(calls, 2, 'resting, holding more than STEP_BYTES: given back')
    look(STEP_BYTES - MiB, 1)
    assert.equal(calls, 2, 'resting, less than STEP_BYTES')
    p.now += IDLE_MS
    look(0, 1)
    assert.equal(calls, 3, 'and at least every IDLE_MS while resting')
    p.now += IDLE_MS
    p.cpu += IDLE_MS // a core's worth since the last look
    look(0, 400)
    assert.equal(calls, 3, 'not while working')
  })
})
