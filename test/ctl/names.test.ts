// Both names of each bin (issue 11): cluster-ctl / ipfs-cluster-ctl, cluster-service /
// ipfs-cluster-service, run as real processes through package.json's bin files and through
// extension-less symlinks as npm installs them; help, --version and `commands` use the name.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { NODE, ROOT } from '../harness/paths.js'

function run (script: string, args: string[]): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync(NODE, [script, ...args], { encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }

test('package.json installs both names of each bin', () => {
  for (const name of ['cluster-ctl', 'ipfs-cluster-ctl', 'cluster-service', 'ipfs-cluster-service', 'cluster-follow', 'ipfs-cluster-follow']) {
    assert.ok(pkg.bin[name] != null, name)
    assert.ok(existsSync(join(ROOT, pkg.bin[name])), pkg.bin[name])
  }
})

function scripts (name: string, links: string): string[] {
  const link = join(links, name)
  if (!existsSync(link)) symlinkSync(join(ROOT, pkg.bin[name]), link)
  return [join(ROOT, pkg.bin[name]), link]
}

test('cluster-ctl and ipfs-cluster-ctl print the name they were called by', () => {
  const links = mkdtempSync(join(tmpdir(), 'names-'))
  try {
    for (const name of ['cluster-ctl', 'ipfs-cluster-ctl']) {
      for (const script of scripts(name, links)) {
        const v = run(script, ['--version'])
        assert.deepEqual([v.code, v.stdout], [0, `${name} version 1.1.6\n`], script)
        const h = run(script, ['--help'])
        assert.equal(h.code, 0)
        assert.ok(h.stdout.startsWith(`Usage: ${name} [options] [command]`), h.stdout)
        assert.match(h.stdout, new RegExp(`^${name} is a tool to manage IPFS Cluster nodes`, 'm'))
        const c = run(script, ['commands'])
        assert.equal(c.code, 0)
        const lines = c.stdout.trim().split('\n')
        assert.equal(lines[0], `${name} id`)
        assert.equal(lines[lines.length - 1], `${name} help`)
        assert.ok(lines.every(l => l.startsWith(`${name} `)), c.stdout)
        const sub = run(script, ['help', 'status'])
        assert.ok(sub.stdout.startsWith(`Usage: ${name} status [options]`), sub.stdout)
      }
    }
  } finally {
    rmSync(links, { recursive: true, force: true })
  }
})

test('cluster-service and ipfs-cluster-service print the name they were called by', () => {
  const links = mkdtempSync(join(tmpdir(), 'names-'))
  try {
    for (const name of ['cluster-service', 'ipfs-cluster-service']) {
      for (const script of scripts(name, links)) {
        const v = run(script, ['--version'])
        assert.deepEqual([v.code, v.stdout], [0, `${name} version 1.1.6\n`], script)
        const h = run(script, ['--help'])
        assert.equal(h.code, 0)
        assert.ok(h.stdout.startsWith(`Usage: ${name} [options] [command]`), h.stdout)
        assert.ok(h.stdout.includes(`Run "${name}`), h.stdout)
        // no subcommand: help on stderr, exit 1 (upstream)
        const bare = run(script, [])
        assert.equal(bare.code, 1)
        assert.ok(bare.stderr.startsWith(`Usage: ${name} `), bare.stderr)
      }
    }
  } finally {
    rmSync(links, { recursive: true, force: true })
  }
})

test('cluster-follow and ipfs-cluster-follow print the name they were called by', () => {
  const links = mkdtempSync(join(tmpdir(), 'names-'))
  try {
    for (const name of ['cluster-follow', 'ipfs-cluster-follow']) {
      for (const script of scripts(name, links)) {
        const v = run(script, ['--version'])
        assert.deepEqual([v.code, v.stdout], [0, `${name} version 1.1.6\n`], script)
        const h = run(script, ['--help'])
        assert.equal(h.code, 0)
        assert.ok(h.stdout.startsWith(`Usage: ${name} `), h.stdout)
      }
    }
  } finally {
    rmSync(links, { recursive: true, force: true })
  }
})
