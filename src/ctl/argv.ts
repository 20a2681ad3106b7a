// Flag spellings upstream accepts (Go's flag package via urfave/cli) that commander does not:
// single-dash long flags ("-rmin 2", "-ns", "-local") and "--bool=true|false". They are rewritten
// into commander's forms before parsing. Only tokens naming a known flag are touched.
import type { Command, Option } from 'commander'

interface FlagInfo { boolean: boolean, negate: boolean }

function collectFlags (cmd: Command, into: Map<string, FlagInfo>): Map<string, FlagInfo> {
  for (const opt of cmd.options as readonly Option[]) {
    const info = { boolean: !opt.required && !opt.optional, negate: opt.negate }
    for (const f of [opt.short, opt.long]) {
      if (f != null && f.startsWith('--')) into.set(f, info)
    }
  }
  for (const sub of cmd.commands) collectFlags(sub, into)
  return into
}

export function normalizeArgv (argv: string[], program: Command): string[] {
  const flags = collectFlags(program, new Map())
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]
    if (tok === '--') {
      out.push(...argv.slice(i))
      break
    }
    let t = tok
    // "-rmin" → "--rmin" when "--rmin" is a flag; single letters stay short flags
    if (/^-[^-]{2,}/.test(t)) {
      const name = '-' + t.split('=')[0]
      if (flags.has(name)) t = '-' + t
    }
    if (t.startsWith('--') && t.includes('=')) {
      const [name, ...rest] = t.split('=')
      const info = flags.get(name)
      const value = rest.join('=')
      if (info?.boolean === true) {
        const v = value.toLowerCase()
        if (['true', 't', '1'].includes(v)) {
          out.push(name)
          continue
        }
        if (['false', 'f', '0'].includes(v)) {
          if (info.negate) out.push(name)
          continue
        }
      }
    }
    out.push(t)
  }
  return out
}
