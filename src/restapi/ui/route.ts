// The web dashboard (GET /ui and GET /ui/{asset}): static HTML, CSS and ES modules that call
// the REST API from the browser. Served by the REST API listener, behind the same handler
// chain as every route (access log → auth → CORS → strict slash), so with
// basic_auth_credentials set the browser asks for a user and password on /ui and then sends
// them with every API call the page makes; nothing here bypasses the auth hook.
//
// The assets are not TypeScript: they live in src/restapi/ui/assets and are served from
// there (tsc does not copy them to dist/). A copy next to the compiled module (dist/src/
// restapi/ui/assets) wins when present, e.g. in an image that ships dist/ only.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteContext } from '../routes/context.js'
import { sendError } from '../common/respond.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon'
}

/** Only files, no dot files, no sub-folders: a request names one of these or gets a 404. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*\.(html|js|css|svg|png|ico)$/

const SECURITY_HEADERS: Record<string, string> = {
  // every asset is same-origin; no inline script or style, no framing
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache'
}

export interface UiAsset {
  body: Buffer
  type: string
  etag: string
}

/** The folder holding index.html: beside the compiled module, else the source folder. */
export function uiAssetDir (): string | undefined {
  const candidates = [
    fileURLToPath(new URL('./assets/', import.meta.url)),
    // dist/src/restapi/ui/route.js → <package>/src/restapi/ui/assets
    fileURLToPath(new URL('../../../../src/restapi/ui/assets/', import.meta.url))
  ]
  return candidates.find(dir => existsSync(join(dir, 'index.html')))
}

/** Reads every asset once: they are small (tens of KiB) and change only with the package. */
export function loadUiAssets (dir: string | undefined = uiAssetDir()): Map<string, UiAsset> {
  const assets = new Map<string, UiAsset>()
  if (dir == null) return assets
  for (const name of readdirSync(dir)) {
    if (!ASSET_NAME.test(name)) continue
    const body = readFileSync(join(dir, name))
    const ext = name.slice(name.lastIndexOf('.'))
    assets.set(name, { body, type: TYPES[ext], etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` })
  }
  return assets
}

function send (request: FastifyRequest, reply: FastifyReply, asset: UiAsset): FastifyReply {
  reply.headers(SECURITY_HEADERS).header('ETag', asset.etag)
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send()
  return reply.code(200).header('Content-Type', asset.type).send(asset.body)
}

export function uiRoutes (app: FastifyInstance, { profile }: RouteContext, assets: Map<string, UiAsset> = loadUiAssets()): void {
  const notFound = (reply: FastifyReply): FastifyReply => sendError(reply, profile, new Error('not found'), 404)

  app.get('/ui', async (request, reply) => {
    const index = assets.get('index.html')
    if (index == null) return sendError(reply, profile, new Error('the dashboard assets (src/restapi/ui/assets) are not installed'), 404)
    return send(request, reply, index)
  })

  app.get('/ui/:file', {
    schema: { params: { type: 'object', properties: { file: { type: 'string' } }, required: ['file'] } }
  }, async (request, reply) => {
    const name = (request.params as { file: string }).file
    const asset = ASSET_NAME.test(name) ? assets.get(name) : undefined
    return asset == null ? notFound(reply) : send(request, reply, asset)
  })
}
