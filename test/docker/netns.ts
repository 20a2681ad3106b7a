// A private L2 network made of Linux network namespaces: one "switch" namespace holding a bridge,
// one namespace per host with a veth pair into the switch. Nothing is added to the namespace the
// tests run in (no interface, no route): traffic stays between the namespaces created here, and
// destroy() kills what runs inside them and deletes them.
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess, SpawnOptions } from 'node:child_process'

function run (args: string[]): { code: number, out: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error != null ? String(r.error) : ''}` }
}

function ip (args: string[]): string {
  const r = run(args)
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.out.trim()}`)
  return r.out
}

/** Why network namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable (): string | undefined {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root (ip netns needs CAP_SYS_ADMIN)'
  const probe = `ecprobe${process.pid}`
  const add = run(['netns', 'add', probe])
  if (add.code !== 0) return `ip netns unavailable: ${add.out.trim() || 'ip not installed (package iproute2)'}`
  try {
    const bridge = run(['-n', probe, 'link', 'add', 'br0', 'type', 'bridge'])
    if (bridge.code !== 0) return `no bridge support: ${bridge.out.trim()}`
    const veth = run(['-n', probe, 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'b0'])
    if (veth.code !== 0) return `no veth support: ${veth.out.trim()}`
  } finally {
    run(['netns', 'del', probe])
  }
  return undefined
}

export class NetnsLab {
  /** namespace names start with it: unique per test process */
  readonly prefix: string
  readonly subnet: string
  private readonly sw: string
  private readonly hosts = new Map<string, string>()
  private readonly created: string[] = []
  private readonly procs = new Set<ChildProcess>()
  private readonly cleanups: Array<() => void> = []
  private readonly onExit = (): void => { this.destroy() }
  // interrupted test run (Ctrl-C, the runner's timeout): clean up, then die of the signal
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.destroy()
    process.kill(process.pid, sig)
  }

  /** subnet: the first three octets, e.g. '10.77.0' (a /24) */
  constructor (subnet = '10.77.0') {
    this.prefix = `ecd${process.pid}`
    this.subnet = subnet
    this.sw = `${this.prefix}sw`
    process.once('exit', this.onExit)
    process.once('SIGINT', this.onSignal)
    process.once('SIGTERM', this.onSignal)
    this.addNamespace(this.sw)
    ip(['-n', this.sw, 'link', 'add', 'br0', 'type', 'bridge'])
    ip(['-n', this.sw, 'link', 'set', 'br0', 'up'])
    ip(['-n', this.sw, 'link', 'set', 'lo', 'up'])
  }

  private addNamespace (name: string): void {
    ip(['netns', 'add', name])
    this.created.push(name)
  }

  /** Adds a host `name` with address <subnet>.<octet>/24 on eth0; returns its namespace. */
  addHost (name: string, octet: number): { ns: string, address: string } {
    const ns = `${this.prefix}${name}`
    const port = `v${this.hosts.size}`
    const address = `${this.subnet}.${octet}`
    this.addNamespace(ns)
    // both ends are created inside the switch namespace, one is moved into the host's
    ip(['-n', this.sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
    ip(['-n', this.sw, 'link', 'set', port, 'master', 'br0'])
    ip(['-n', this.sw, 'link', 'set', port, 'up'])
    ip(['-n', ns, 'link', 'set', 'lo', 'up'])
    ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0'])
    ip(['-n', ns, 'link', 'set', 'eth0', 'up'])
    // multicast (mDNS) leaves through eth0: the namespace has no default route
    ip(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0'])
    this.hosts.set(name, ns)
    return { ns, address }
  }

  ns (name: string): string {
    const ns = this.hosts.get(name)
    if (ns == null) throw new Error(`no host ${name}`)
    return ns
  }

  /** Spawns a command inside host `name`'s namespace (`ip netns exec` execs it: the pid is the command's). */
  spawn (name: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(name), cmd, ...args], opts)
    this.procs.add(child)
    child.on('exit', () => this.procs.delete(child))
    return child
  }

  /** fn runs at destroy(), also when the test process is interrupted (e.g. removing temp folders) */
  onDestroy (fn: () => void): void {
    this.cleanups.push(fn)
  }

  /** Kills whatever still runs in the namespaces and deletes them. Idempotent, synchronous. */
  destroy (): void {
    process.removeListener('exit', this.onExit)
    process.removeListener('SIGINT', this.onSignal)
    process.removeListener('SIGTERM', this.onSignal)
    for (const child of this.procs) {
      try { child.kill('SIGKILL') } catch { /* gone */ }
    }
    this.procs.clear()
    for (const ns of this.created) {
      const pids = run(['netns', 'pids', ns]).out.split(/\s+/).filter(s => /^\d+$/.test(s))
      for (const pid of pids) {
        try { process.kill(Number(pid), 'SIGKILL') } catch { /* gone */ }
      }
    }
    for (const ns of this.created.reverse().splice(0)) {
      // a killed process may take a moment to release the namespace; `del` works regardless
      run(['netns', 'del', ns])
    }
    for (const fn of this.cleanups.splice(0)) {
      try { fn() } catch { /* best effort */ }
    }
  }

  /** Namespaces of this lab still present (for the cleanup assertion). */
  leftovers (): string[] {
    return run(['netns', 'list']).out.split('\n').map(l => l.split(' ')[0]).filter(n => n.startsWith(this.prefix))
  }
}
