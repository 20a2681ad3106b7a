import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import vm from 'node:vm'
import { HeapTrimmer, hasGlibc, loadMallocTrim } from '../../src/service/heap-trim.js'

// glibc machines (these, and the Docker image) must have it: elsewhere it is a no-op
const glibc = hasGlibc()

describe('HeapTrimmer', () => {
  it('gives back memory that freed buffers left with the allocator', { skip: glibc ? false : 'not glibc' }, async () => {
    const trim = await loadMallocTrim()
    assert.equal(typeof trim, 'function')
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
    const trimmer = new HeapTrimmer(trim as (pad: number) => number)
    const released = trimmer.trimNow()
    assert.ok(released > 50 * 1024 * 1024, `released only ${released} bytes`)
    assert.equal(trimmer.stats.trims, 1)
    assert.equal(keep.every(b => b[0] === 1 && b[b.length - 1] === 1), true)
  })
})
