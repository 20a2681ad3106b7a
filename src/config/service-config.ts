// service.json: upstream's layout (cluster, consensus, api, ipfs_connector, pin_tracker,
// monitor, allocator, informer, observations, datastore). A missing component section means the
// component is disabled (APIs, informers) — so "present" is tracked apart from the values.
import { readFile, writeFile, rename } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { ConfigSection, JSONObject } from './section.js'
import { applyEnv } from './env.js'
import { unsupportedSections } from './unsupported.js'
import { fetchSourceConfig } from './source.js'

export const SERVICE_JSON = 'service.json'

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

export class ServiceConfig {
  readonly dir: string
  readonly json: JSONObject
  private readonly env: NodeJS.ProcessEnv
  /** the URL the sections came from, when service.json is {"source": url} */
  source?: string

  constructor (dir: string, json: JSONObject, env: NodeJS.ProcessEnv = process.env) {
    this.dir = dir
    this.json = json
    this.env = env
  }

  static path (dir: string): string {
    return join(dir, SERVICE_JSON)
  }

  static exists (dir: string): boolean {
    return existsSync(ServiceConfig.path(dir))
  }

  static async load (dir: string, env: NodeJS.ProcessEnv = process.env): Promise<ServiceConfig> {
    const file = ServiceConfig.path(dir)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err: any) {
      if (err.code === 'ENOENT') throw new ConfigError(`no configuration found at ${file}. Run "cluster-service init" first`)
      throw err
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err: any) {
      throw new ConfigError(`error parsing ${file}: ${err.message}`)
    }
    if (json == null || typeof json !== 'object' || Array.isArray(json)) throw new ConfigError(`${file} does not hold a JSON object`)
    let source: string | undefined
    if ('source' in json && typeof (json as JSONObject).source === 'string') {
      source = (json as JSONObject).source as string
      try {
        json = await fetchSourceConfig(source)
      } catch (err: any) {
        throw new ConfigError(err.message)
      }
    }
    const unsupported = unsupportedSections(json as JSONObject, source ?? file)
    if (unsupported.length > 0) throw new ConfigError(unsupported.join('\n'))
    const cfg = new ServiceConfig(dir, json as JSONObject, env)
    cfg.source = source
    return cfg
  }

  /** True when the section is present in service.json (for APIs and informers: enabled). */
  has (section: ConfigSection<unknown>): boolean {
    return this.raw(section.path) !== undefined
  }

  /** The section's values: file values over defaults, then environment overrides, validated. */
  get<T> (section: ConfigSection<T>): T {
    const raw = this.raw(section.path) ?? {}
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`section ${section.path.join('.')} is not an object`)
    const full = { ...section.toJSON(section.defaults()), ...(raw as JSONObject) }
    try {
      return section.parse(applyEnv(full, section.envPrefix, this.env))
    } catch (err: any) {
      throw new ConfigError(`invalid configuration in section "${section.path.join('.')}": ${err.message}`)
    }
  }

  private raw (path: readonly string[]): unknown {
    let node: unknown = this.json
    for (const key of path) {
      if (node == null || typeof node !== 'object') return undefined
      node = (node as JSONObject)[key]
    }
    return node ?? undefined
  }

  /** Builds the service.json of `init`: every section's defaults with environment overrides applied. */
  static build (sections: Array<ConfigSection<any>>, env: NodeJS.ProcessEnv = process.env, edit?: (json: JSONObject) => void): JSONObject {
    const json: JSONObject = {}
    for (const s of sections) {
      const value = s.toJSON(s.parse(applyEnv(s.toJSON(s.defaults()), s.envPrefix, env)))
      let node = json
      for (const key of s.path.slice(0, -1)) {
        node[key] ??= {}
        node = node[key] as JSONObject
      }
      node[s.path[s.path.length - 1]] = value
    }
    edit?.(json)
    return json
  }

  /** Writes service.json atomically with mode 0600 and 2-space indentation, as upstream does. */
  static async save (dir: string, json: JSONObject): Promise<void> {
    const file = ServiceConfig.path(dir)
    const tmp = `${file}.tmp`
    await writeFile(tmp, JSON.stringify(json, null, 2) + '\n', { mode: 0o600 })
    await rename(tmp, file)
  }
}
