// JSON output as Go's json.MarshalIndent(v, "", "    ") plus a newline: 4-space indent, and
// <, >, & and U+2028/2029 escaped inside strings (Go's HTML-safe encoding).
export function goJson (value: unknown): string {
  const text = JSON.stringify(value ?? null, null, 4)
  return text
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029') + '\n'
}
