// The dashboard's router: #/overview, #/pins, #/file/<cid>, #/add. Each view module exports
// mount(main, params) and returns an unmount function that stops its polling.
import { getJSON, rememberPeerName } from './api.js'
import { clear, errorBox, h } from './util.js'
import * as overview from './overview.js'
import * as pins from './pins.js'
import * as file from './file.js'
import * as add from './add.js'

const routes = [
  { re: /^#\/overview$/, view: overview, nav: 'overview' },
  { re: /^#\/pins$/, view: pins, nav: 'pins' },
  { re: /^#\/file\/([A-Za-z0-9]+)$/, view: file, nav: 'pins' },
  { re: /^#\/add$/, view: add, nav: 'add' }
]

let unmount = null
let first = true

function route () {
  const hash = location.hash.split('?')[0] || '#/overview'
  const r = routes.find(r => r.re.test(hash))
  if (r == null) { location.hash = '#/overview'; return }
  const params = hash.match(r.re).slice(1).map(decodeURIComponent)
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '')
  unmount?.()
  unmount = null
  for (const a of document.querySelectorAll('nav [data-nav]')) {
    if (a.dataset.nav === r.nav) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  const main = document.getElementById('view')
  clear(main)
  try {
    unmount = r.view.mount(main, params, query) ?? null
  } catch (err) {
    main.append(errorBox(err))
  }
  // keyboard and screen-reader users land on the new page's heading, not back at the top bar
  if (!first) (main.querySelector('h1') ?? main).focus?.({ preventScroll: false })
  first = false
}

window.addEventListener('hashchange', route)
// the skip link must not change the hash (that is the router's)
document.querySelector('a.skip')?.addEventListener('click', e => {
  e.preventDefault()
  document.getElementById('view').focus()
})
route()

// who serves this page (shown in the header)
getJSON('id').then(id => {
  rememberPeerName(id.id, id.peername)
  document.getElementById('peer-label').append(h('span', { title: id.id }, `· ${id.peername} · v${id.version}`))
}).catch(() => {})
