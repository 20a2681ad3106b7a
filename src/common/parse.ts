// Value parsers with Go's spellings, used by query strings, flags and environment variables.

/** Go strconv.ParseBool. Returns undefined when the text is not a boolean. */
export function parseGoBool (text: string): boolean | undefined {
  switch (text) {
    case '1': case 't': case 'T': case 'TRUE': case 'true': case 'True':
      return true
    case '0': case 'f': case 'F': case 'FALSE': case 'false': case 'False':
      return false
    default:
      return undefined
  }
}

/** Go strconv.Atoi-like: an optional sign and decimal digits only. */
export function parseGoInt (text: string): number | undefined {
  if (!/^[-+]?\d+$/.test(text.trim())) return undefined
  const n = Number(text.trim())
  return Number.isSafeInteger(n) ? n : undefined
}

/** Splits a comma list, trimming items and dropping empty ones. */
export function splitList (text: string | undefined): string[] {
  if (text == null || text === '') return []
  return text.split(',').map(s => s.trim()).filter(s => s !== '')
}
