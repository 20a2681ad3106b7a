// bench/idle: CPU a cluster of N idle daemons uses (ms per second per daemon), with the test
// harness's fast timers (1 s pings) and with the default config timers, measured after the
// cluster has settled for a while (the peer exchange slows down once it teaches nothing new:
// 5 s after the start it still runs every 5-10 s, after 2 minutes every 120 s).
//   node dist/bench/idle.js [peers] [seconds] [settle seconds, 5]
import { startCluster } from '../test/harness/cluster.js'
import { cpuSeconds, profileEnv } from './proc.js'

const N = Number(process.argv[2] ?? 6)
const SECONDS = Number(process.argv[3] ?? 20)
const SETTLE = Number(process.argv[4] ?? 5)
const profDir = process.env.BENCH_CPU_PROF

const defaultTimers = process.env.BENCH_TIMERS === 'default'
const cluster = await startCluster(N, { defaultTimers, ...profileEnv() })
try {
  await new Promise(resolve => setTimeout(resolve, SETTLE * 1000))
  const pids = cluster.peers.map(p => p.proc.pid as number)
  const before = pids.map(cpuSeconds)
  await new Promise(resolve => setTimeout(resolve, SECONDS * 1000))
  const ms = pids.map((pid, i) => Math.round((cpuSeconds(pid) - before[i]) * 1000 / SECONDS))
  if (profDir != null) for (const p of cluster.peers) await p.stop()
  console.log(JSON.stringify({ bench: 'idle', peers: N, timers: defaultTimers ? 'default' : 'fast', settle_seconds: SETTLE, seconds: SECONDS, cpu_ms_per_second_per_daemon: ms }))
} finally {
  await cluster.stopAll()
}
