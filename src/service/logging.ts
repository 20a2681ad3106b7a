// pino loggers: JSON lines in the daemon, pretty only on a TTY. Upstream's --loglevel takes
// "level" or "level,facility:level,…"; facilities become child loggers with their own level.
import { pino } from 'pino'
import type { Logger, Level } from 'pino'

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])

export interface LogLevels {
  level: Level
  facilities: Record<string, Level>
}

export function parseLogLevel (text: string): LogLevels {
  const out: LogLevels = { level: 'info', facilities: {} }
  for (const part of text.split(',').map(s => s.trim()).filter(s => s !== '')) {
    const [a, b] = part.split(':')
    const lvl = (b ?? a).toLowerCase() === 'warning' ? 'warn' : (b ?? a).toLowerCase()
    if (!LEVELS.has(lvl) || (b != null && a === '')) throw new Error(`invalid log level "${part}"`)
    if (b == null) out.level = lvl as Level
    else out.facilities[a] = lvl as Level
  }
  return out
}

export function createLogger (levels: LogLevels): (facility: string) => Logger {
  const pretty = process.stderr.isTTY
  const root = pino({
    level: 'trace',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss.l' } } } : {})
  }, pretty ? undefined : pino.destination({ fd: 2, sync: false }))
  return (facility: string) => {
    const child = root.child({ facility })
    child.level = levels.facilities[facility] ?? levels.level
    return child
  }
}
