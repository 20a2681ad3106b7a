// A component's section of service.json. Each component folder exports one ConfigSection that
// owns its defaults, its JSON form and its validation; src/config only loads, overrides from the
// environment and saves. Unknown keys are ignored, as upstream does.

export type JSONObject = Record<string, unknown>

export interface ConfigSection<T> {
  /** where the section sits in service.json, e.g. ['api', 'restapi'] or ['cluster'] */
  readonly path: readonly string[]
  /** upstream's environment prefix, e.g. 'CLUSTER_RESTAPI' (keys are appended as _KEYNOHYPHENS) */
  readonly envPrefix: string
  defaults (): T
  /** Applies a JSON object (as found in service.json) over the defaults; throws on invalid values. */
  parse (json: JSONObject): T
  /** The JSON object written to service.json. */
  toJSON (cfg: T): JSONObject
}

/** Reads a value of an expected JS type from a section's JSON, or returns the fallback. */
export function field<V> (json: JSONObject, key: string, fallback: V, check: (v: unknown) => v is V): V {
  const v = json[key]
  if (v === undefined || v === null) return fallback
  if (!check(v)) throw new Error(`invalid value for "${key}": ${JSON.stringify(v)}`)
  return v
}

export const isString = (v: unknown): v is string => typeof v === 'string'
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
export const isBool = (v: unknown): v is boolean => typeof v === 'boolean'
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString)
export const isObject = (v: unknown): v is JSONObject => v != null && typeof v === 'object' && !Array.isArray(v)
export const isStringMap = (v: unknown): v is Record<string, string> =>
  v != null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(isString)

/** upstream's config.Strings: a single string or a list of strings. */
export function stringsField (json: JSONObject, key: string, fallback: string[]): string[] {
  const v = json[key]
  if (v === undefined || v === null) return fallback
  if (typeof v === 'string') return v === '' ? [] : [v]
  if (isStringArray(v)) return v
  throw new Error(`invalid value for "${key}": ${JSON.stringify(v)}`)
}

/** Writes config.Strings back as upstream does: one element → plain string. */
export function stringsJSON (list: string[]): string | string[] {
  return list.length === 1 ? list[0] : list
}
