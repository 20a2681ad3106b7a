// Upstream's router answers 405 (empty body) when the path matches a route of another method
// and 404 with the API error body otherwise. Fastify only knows "not found", so the route
// table is kept here too, as patterns, to tell the two apart.

interface RoutePattern {
  methods: string[]
  regex: RegExp
}

/** find-my-way URL pattern → RegExp (":param" = one segment, "*" = the rest). */
function toRegex (url: string): RegExp {
  let src = ''
  for (const seg of url.split(/(:[A-Za-z0-9_]+|\*)/)) {
    if (seg === '') continue
    if (seg === '*') src += '.*'
    else if (seg.startsWith(':')) src += '[^/]+'
    else src += seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${src}$`)
}

export class RouteTable {
  private readonly routes: RoutePattern[] = []

  add (method: string | string[], url: string): void {
    this.routes.push({ methods: Array.isArray(method) ? method : [method], regex: toRegex(url) })
  }

  /** True when some route matches the path under a different method. */
  otherMethodMatches (method: string, path: string): boolean {
    return this.routes.some(r => !r.methods.includes(method) && r.regex.test(path))
  }
}
