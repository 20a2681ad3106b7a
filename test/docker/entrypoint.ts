// Runs docker/entrypoint.sh outside Docker, as the image would: `cluster-service` and
// `cluster-ctl` on PATH (small wrappers around this checkout's bins), a clean environment holding
// only what the container would have plus the compose file's variables.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CTL_BIN, NODE, ROOT, SERVICE_BIN } from '../harness/paths.js'

export const ENTRYPOINT = join(ROOT, 'docker', 'entrypoint.sh')

/** A folder with `cluster-service` and `cluster-ctl` commands (as /usr/local/bin in the image). */
export function toolsDir (base: string): string {
  const dir = join(base, 'tools')
  mkdirSync(dir, { recursive: true, mode: 0o755 })
  chmodSync(dir, 0o755)
  const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`
  for (const [name, bin] of [['cluster-service', SERVICE_BIN], ['cluster-ctl', CTL_BIN]]) {
    writeFileSync(join(dir, name), `#!/bin/sh\nexec ${q(NODE)} ${q(bin)} "$@"\n`, { mode: 0o755 })
  }
  return dir
}

/**
 * The IPFS_CLUSTER_USER for the entrypoint: when the tests run as root the entrypoint drops to
 * this user as in the container; `nobody` when it can read this checkout, else `root` (the
 * entrypoint's opt-out). Undefined when not root (the entrypoint runs as the current user).
 */
export function entrypointUser (): string | undefined {
  if (process.getuid?.() !== 0) return undefined
  const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'sh', '-c',
    'test -x "$1" && test -r "$2" && test -r "$3"', 'sh', NODE, SERVICE_BIN, join(ROOT, 'dist', 'src', 'service', 'main.js')])
  return r.status === 0 ? 'nobody' : 'root'
}

/** The container's environment: image ENV + compose variables, nothing from the test runner. */
export function containerEnv (tools: string, configDir: string, compose: Record<string, string>, user: string | undefined): Record<string, string> {
  return {
    PATH: `${tools}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: configDir,
    IPFS_CLUSTER_PATH: configDir,
    IPFS_CLUSTER_CONSENSUS: 'crdt',
    ...(user != null ? { IPFS_CLUSTER_USER: user } : {}),
    ...compose
  }
}
