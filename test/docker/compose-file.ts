// Reads docker-compose-erasure.yml (and `docker-compose config` output) without a YAML
// dependency: block maps, block lists (also at the parent key's indentation, as PyYAML writes
// them), plain / 'single' / "double" quoted scalars, [] and {}, comments. No anchors, no flow
// collections with content, no multi-line scalars: the compose file keeps to this subset, and
// the parser throws on anything else so that the tests notice.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../harness/paths.js'

export type Yaml = string | null | Yaml[] | { [k: string]: Yaml }

interface Line { indent: number, text: string, no: number }

function stripComment (s: string): string {
  let q: string | null = null
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (q != null) {
      if (c === q) q = null
      continue
    }
    if ((c === '"' || c === "'") && (i === 0 || /[\s:\-[{,]/.test(s[i - 1]))) q = c
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) return s.slice(0, i)
  }
  return s
}

function scalar (raw: string, no: number): Yaml {
  const s = raw.trim()
  if (s === '' || s === '~' || s === 'null') return null
  if (s === '[]') return []
  if (s === '{}') return {}
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new Error(`line ${no}: unterminated quote`)
    return s.slice(1, -1).replace(/''/g, "'")
  }
  if (s.startsWith('"')) return JSON.parse(s) as string
  if (/^[[{&*!|>]/.test(s)) throw new Error(`line ${no}: unsupported YAML: ${s}`)
  return s
}

/** index of the ':' that ends a mapping key (followed by space or end), or -1 */
function keyColon (s: string): number {
  let q: string | null = null
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (q != null) { if (c === q) q = null; continue }
    if (i === 0 && (c === '"' || c === "'")) { q = c; continue }
    if (c === ':' && (i + 1 === s.length || s[i + 1] === ' ')) return i
  }
  return -1
}

export function parseYaml (text: string): Yaml {
  const lines: Line[] = []
  text.split('\n').forEach((l, i) => {
    if (l.includes('\t')) throw new Error(`line ${i + 1}: tab`)
    const body = stripComment(l).trimEnd()
    if (body.trim() === '' || body.trim() === '---') return
    lines.push({ indent: body.length - body.trimStart().length, text: body.trim(), no: i + 1 })
  })
  let pos = 0

  function block (indent: number): Yaml {
    const first = lines[pos]
    if (first.text.startsWith('- ') || first.text === '-') return list(indent)
    return map(indent)
  }

  function map (indent: number): Yaml {
    const out: Record<string, Yaml> = {}
    while (pos < lines.length && lines[pos].indent === indent && !lines[pos].text.startsWith('-')) {
      const { text, no } = lines[pos]
      const c = keyColon(text)
      if (c < 0) throw new Error(`line ${no}: expected "key: value": ${text}`)
      const key = scalar(text.slice(0, c), no)
      if (typeof key !== 'string') throw new Error(`line ${no}: bad key`)
      if (key in out) throw new Error(`line ${no}: duplicate key ${key}`)
      const rest = text.slice(c + 1)
      pos++
      if (rest.trim() !== '') {
        out[key] = scalar(rest, no)
      } else if (pos < lines.length && lines[pos].indent > indent) {
        out[key] = block(lines[pos].indent)
      } else if (pos < lines.length && lines[pos].indent === indent && lines[pos].text.startsWith('-')) {
        out[key] = list(indent)
      } else {
        out[key] = null
      }
    }
    if (pos < lines.length && lines[pos].indent > indent) throw new Error(`line ${lines[pos].no}: bad indentation`)
    return out
  }

  function list (indent: number): Yaml {
    const out: Yaml[] = []
    while (pos < lines.length && lines[pos].indent === indent && (lines[pos].text.startsWith('- ') || lines[pos].text === '-')) {
      const { text, no } = lines[pos]
      const item = text.slice(1).trimStart()
      if (item !== '' && keyColon(item) >= 0) {
        // "- key: value" starts a map whose keys sit at the item's column
        const col = indent + (text.length - item.length)
        lines[pos] = { indent: col, text: item, no }
        out.push(map(col))
      } else {
        pos++
        if (item !== '') out.push(scalar(item, no))
        else if (pos < lines.length && lines[pos].indent > indent) out.push(block(lines[pos].indent))
        else out.push(null)
      }
    }
    return out
  }

  if (lines.length === 0) return null
  const doc = block(lines[0].indent)
  if (pos !== lines.length) throw new Error(`line ${lines[pos].no}: unexpected content`)
  return doc
}

export const COMPOSE_FILE = 'docker-compose-erasure.yml'
export const DOCKERFILE = 'Dockerfile-erasure'

export interface ComposeService {
  image?: string
  build?: { context: string, dockerfile?: string }
  environment: Record<string, string>
  ports: string[]
  volumes: string[]
  depends_on: string[]
  [k: string]: unknown
}

/** compose variable interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err} */
export function interpolate (s: string, env: Record<string, string | undefined>): string {
  return s.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, name?: string, op?: string, arg?: string, bare?: string) => {
    if (m === '$$') return '$'
    const n = (name ?? bare) as string
    const v = env[n]
    if (op == null) return v ?? ''
    const missing = op.startsWith(':') ? v == null || v === '' : v == null
    if (op.endsWith('-')) return missing ? (arg ?? '') : (v as string)
    if (missing) throw new Error(`required variable ${n} is missing: ${arg ?? ''}`)
    return v as string
  })
}

function asList (v: Yaml | undefined): string[] {
  if (v == null) return []
  if (Array.isArray(v)) return v.map(x => String(x))
  if (typeof v === 'object') return Object.keys(v) // depends_on in long form
  return [String(v)]
}

function asEnv (v: Yaml | undefined, env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  if (v == null) return out
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = String(item)
      const i = s.indexOf('=')
      if (i < 0) throw new Error(`environment entry without "=": ${s}`)
      out[s.slice(0, i)] = interpolate(s.slice(i + 1), env)
    }
    return out
  }
  if (typeof v !== 'object') throw new Error('environment must be a map or a list')
  for (const [k, x] of Object.entries(v)) out[k] = interpolate(x == null ? '' : String(x), env)
  return out
}

/** The services of a compose document, interpolated with `env` (the shell's environment). */
export function composeServices (doc: Yaml, env: Record<string, string | undefined>): Record<string, ComposeService> {
  if (doc == null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('compose file is not a map')
  const services = doc.services
  if (services == null || typeof services !== 'object' || Array.isArray(services)) throw new Error('no services')
  const out: Record<string, ComposeService> = {}
  for (const [name, raw] of Object.entries(services)) {
    if (raw == null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`service ${name} is not a map`)
    const build = raw.build
    out[name] = {
      ...raw,
      image: raw.image == null ? undefined : interpolate(String(raw.image), env),
      build: build == null
        ? undefined
        : typeof build === 'string'
          ? { context: build }
          : { context: String((build as any).context ?? '.'), dockerfile: (build as any).dockerfile == null ? undefined : String((build as any).dockerfile) },
      environment: asEnv(raw.environment, env),
      ports: asList(raw.ports).map(p => interpolate(p, env)),
      volumes: asList(raw.volumes).map(p => interpolate(p, env)),
      depends_on: asList(raw.depends_on)
    }
  }
  return out
}

export function readComposeFile (env: Record<string, string | undefined>): Record<string, ComposeService> {
  return composeServices(parseYaml(readFileSync(join(ROOT, COMPOSE_FILE), 'utf8')), env)
}

/** Instructions of a Dockerfile (continuation lines joined, comments dropped), per stage. */
export function dockerfileInstructions (text: string): Array<{ op: string, args: string, stage: number }> {
  const out: Array<{ op: string, args: string, stage: number }> = []
  let stage = -1
  let buf = ''
  for (const line of text.split('\n')) {
    if (buf === '' && /^\s*#/.test(line)) continue
    if (/\\\s*$/.test(line)) { buf += line.replace(/\\\s*$/, ' '); continue }
    const full = (buf + line).trim()
    buf = ''
    if (full === '' || full.startsWith('#')) continue
    const m = /^(\S+)\s*(.*)$/.exec(full)
    if (m == null) continue
    const op = m[1].toUpperCase()
    if (op === 'FROM') stage++
    out.push({ op, args: m[2], stage })
  }
  return out
}

/** JSON-array (exec form) or shell-form arguments of ENTRYPOINT / CMD */
export function execForm (args: string): string[] {
  const t = args.trim()
  if (t.startsWith('[')) return JSON.parse(t) as string[]
  return ['/bin/sh', '-c', t]
}
