// Go-style flag spellings accepted like upstream (urfave/cli on Go's flag package).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Command } from 'commander'
import { buildProgram } from '../../src/ctl/program.js'
import { normalizeArgv } from '../../src/ctl/argv.js'
import { addParamsFromFlags } from '../../src/ctl/commands/add.js'
import { pinTypesOfFilter } from '../../src/ctl/commands/pin.js'
import { trackerFilterString, trackerFilterValue } from '../../src/ctl/commands/status.js'

const io = { stdout: () => {}, stderr: () => {} }

test('single-dash long flags and --bool=value are rewritten, values are not', () => {
  const p = buildProgram({ io, signal: new AbortController().signal })
  assert.deepEqual(normalizeArgv(['pin', 'add', '-rmin', '2', '-rmax=3', '-ns', '-wl', '1', '-wt', '5s', '-r', '-1', 'Qm'], p),
    ['pin', 'add', '--rmin', '2', '--rmax=3', '--ns', '--wl', '1', '--wt', '5s', '-r', '-1', 'Qm'])
  assert.deepEqual(normalizeArgv(['-enc=json', '-local', 'status', '--local=false', '--wait=true'], p),
    ['--enc=json', '--local', 'status', '--wait'])
  assert.deepEqual(normalizeArgv(['add', '--no-pin=true', '--no-stream=false', '--', '-rmin'], p),
    ['add', '--no-pin', '--no-stream', '--', '-rmin'])
  assert.deepEqual(normalizeArgv(['add', '-name', 'x', '-xyz'], p), ['add', '--name', 'x', '-xyz'])
})

/** Parses argv with the real program and returns the options of the command that would run. */
async function optsOf (argv: string[]): Promise<{ opts: Record<string, any>, args: string[], global: Record<string, any>, cmd: Command }> {
  const p = buildProgram({ io, signal: new AbortController().signal })
  let got: any
  const hook = (c: Command): void => {
    c.action((...a: any[]) => { const cmd = a[a.length - 1] as Command; got = { opts: cmd.opts(), args: cmd.args, global: p.opts(), cmd } })
    c.commands.forEach(hook)
  }
  p.commands.forEach(hook)
  await p.parseAsync(normalizeArgv(argv, p), { from: 'user' })
  return got
}

test('add flags map to AddParams like upstream', async () => {
  const { opts, args, cmd } = await optsOf(['add', '-r', '--rmin', '2', '--cid-version', '1', '--metadata', 'a=b', 'x', 'y'])
  assert.deepEqual(args, ['x', 'y'])
  const p = addParamsFromFlags(opts, args.length, cmd.getOptionValueSource('shardSize') === 'cli')
  assert.equal(p.recursive, true)
  assert.equal(p.replication_factor_min, 2)
  assert.equal(p.wrap, true, 'several paths force wrap')
  assert.equal(p.raw_leaves, true, 'cid-version 1 forces raw leaves')
  assert.deepEqual(p.metadata, { a: 'b' })
  assert.equal(p.erasure, false)
  assert.equal(p.no_pin, false)
  const e = await optsOf(['add', '--erasure', '--shard-size', '1048576', '--no-pin', 'x'])
  const pe = addParamsFromFlags(e.opts, 1, true)
  assert.deepEqual([pe.erasure, pe.data_shards, pe.parity_shards, pe.ec_shard_size, pe.no_pin], [true, 4, 2, 1048576, true])
  assert.throws(() => addParamsFromFlags({ ...e.opts, erasure: undefined }, 1, true), /only applies with --erasure/)
  assert.throws(() => addParamsFromFlags({ ...e.opts, dataShards: 0 }, 1, true), /at least 1/)
  const h = await optsOf(['add', '--hash', 'blake2b-256', 'x'])
  assert.equal(addParamsFromFlags(h.opts, 1, false).cid_version, 1)
})

test('global flags and defaults', async () => {
  const d = await optsOf(['id'])
  assert.deepEqual([d.global.host, d.global.encoding, d.global.timeout, d.global.checkCertificate], ['/ip4/127.0.0.1/tcp/9094', 'text', '0', true])
  const g = await optsOf(['-l', '/ip4/1.2.3.4/tcp/1', '-s', '--no-check-certificate', '--enc', 'json', '-t', '5', '-d', '-f', '--basic-auth', 'u:p', 'id'])
  assert.deepEqual([g.global.host, g.global.https, g.global.checkCertificate, g.global.encoding, g.global.timeout, g.global.debug, g.global.forceHttp, g.global.basicAuth],
    ['/ip4/1.2.3.4/tcp/1', true, false, 'json', '5', true, true, 'u:p'])
  // "-s" after the command is add's --chunker, not the global --https
  const a = await optsOf(['add', '-s', 'size-10', 'x'])
  assert.equal(a.opts.chunker, 'size-10')
  assert.equal(a.global.https, undefined)
  const gr = await optsOf(['health', 'graph', '-f', 'out.dot', '--all-ipfs-peers'])
  assert.deepEqual([gr.opts.file, gr.opts.allIpfsPeers, gr.global.forceHttp], ['out.dot', true, undefined])
  const pa = await optsOf(['pin', 'add', '-r', '3', '--mode', 'direct', '-ns', '-w', '--wl', '2', '--wt', '1m30s', 'Qm'])
  assert.deepEqual([pa.opts.replication, pa.opts.mode, pa.opts.status, pa.opts.wait, pa.opts.waitLimit, pa.opts.waitTimeout], [3, 'direct', false, true, 2, 90_000])
  assert.equal(pa.cmd.getOptionValueSource('waitLimit'), 'cli')
})

test('pin type and tracker status filters', () => {
  assert.deepEqual(pinTypesOfFilter('all'), ['all'])
  assert.deepEqual(pinTypesOfFilter(''), ['all'])
  assert.deepEqual(pinTypesOfFilter('pin,meta-pin,clusterdag-pin,shard-pin'), ['all'])
  assert.deepEqual(pinTypesOfFilter('shard-pin,pin'), ['pin', 'shard-pin'])
  assert.deepEqual(pinTypesOfFilter('bogus'), [])
  assert.equal(trackerFilterValue('pinned, pin_error'), 16 | 4)
  assert.equal(trackerFilterValue('bogus'), 0)
  assert.equal(trackerFilterString(16 | 4), 'pin_error,pinned')
  assert.equal(trackerFilterString(14), 'error')
  assert.equal(trackerFilterString(16), 'pinned')
})
