// --help of every command fits in 120 columns; the hidden `commands` lists every command path.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cli } from './helpers.js'

const COMMANDS = [
  'id', 'peers', 'peers ls', 'peers rm', 'add', 'ecget', 'ecrecovery', 'pin', 'pin add', 'pin rm', 'pin update', 'pin ls', 'status', 'recover',
  'version', 'health', 'health graph', 'health metrics', 'health alerts', 'health bandwidth', 'ipfs', 'ipfs gc', 'commands'
]

test('commands lists every command path', async () => {
  const r = await cli(['commands'])
  assert.equal(r.code, 0)
  assert.equal(r.stdout, [...COMMANDS.map(c => `cluster-ctl ${c}`), 'cluster-ctl help'].join('\n') + '\n')
})

test('help lines are at most 120 characters, for every command', async () => {
  for (const c of ['', ...COMMANDS]) {
    const args = [...(c === '' ? [] : c.split(' ')), '--help']
    const r = await cli(args)
    assert.equal(r.code, 0, `${c}: ${r.stderr}`)
    assert.ok(r.stdout.length > 0)
    for (const line of r.stdout.split('\n')) assert.ok(line.length <= 120, `${c}: ${line}`)
  }
  const top = await cli(['--help'])
  for (const flag of ['--host', '--secret', '--https', '--no-check-certificate', '--encoding', '--timeout', '--debug', '--basic-auth', '--force-http', '--version']) {
    assert.ok(top.stdout.includes(flag), flag)
  }
  assert.ok(!/^  commands/m.test(top.stdout), 'commands is hidden')
  const pinAdd = await cli(['pin', 'add', '--help'])
  for (const flag of ['--replication', '--rmin', '--rmax', '--allocs', '--name', '--mode', '--expire-in', '--metadata', '--ns', '--wait', '--wl', '--wt']) {
    assert.ok(pinAdd.stdout.includes(flag), flag)
  }
})

test('--help, -h, h and help all exit 0 with Usage / Global Options / Commands sections', async () => {
  for (const args of [['--help'], ['-h'], ['h'], ['help']]) {
    const r = await cli(args)
    assert.equal(r.code, 0, args.join(' '))
    for (const title of ['usage', 'global options', 'commands']) {
      assert.ok(r.stdout.split('\n').some(l => l.toLowerCase().startsWith(title)), `${args.join(' ')}: ${title}`)
    }
  }
  const sub = await cli(['h', 'pin', 'add'])
  assert.equal(sub.code, 0)
  assert.ok(sub.stdout.startsWith('Usage: cluster-ctl pin add [options]'))
  const help = await cli(['help', 'status'])
  assert.ok(help.stdout.startsWith('Usage: cluster-ctl status [options]'))
})
