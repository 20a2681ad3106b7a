// Add form: files (or a folder) uploaded to POST /add, with the --erasure options, and a live
// progress bar fed by the upload's progress events (the daemon imports the body as it reads
// it, so bytes sent track bytes imported). The body is a kubo-style multipart built from Blob
// pieces (file contents are not read into memory) with url-escaped paths; the answer is
// buffered (stream-channels=false) so that a failure comes back as an error message.
import { apiUrl } from './api.js'
import { announce, clear, fmtBytes, h, shortCid } from './util.js'

function field (id, label, input, hint) {
  input.id = id
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`)
  return h('div.field', {}, h('label', { for: id }, label), input, hint ? h('small.muted', { id: `${id}-hint` }, hint) : null)
}

/** multipart/form-data as go-ipfs-files writes it: one part per file, path in filename. */
function multipartBody (files, boundary) {
  const parts = []
  for (const f of files) {
    const path = f.webkitRelativePath || f.name
    const name = path.split('/').map(encodeURIComponent).join('/')
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`, f, '\r\n')
  }
  parts.push(`--${boundary}--\r\n`)
  return new Blob(parts)
}

export function mount (main) {
  const files = h('input', { type: 'file', multiple: true, required: true })
  const folder = h('input', { type: 'checkbox' })
  const name = h('input', { type: 'text', autocomplete: 'off' })
  const erasure = h('input', { type: 'checkbox', checked: true })
  const dataShards = h('input', { type: 'number', min: '1', max: '255', value: '4', required: true })
  const parityShards = h('input', { type: 'number', min: '1', max: '255', value: '2', required: true })
  const shardSize = h('input', { type: 'number', min: '0', step: '1', placeholder: 'automatic' })
  const wrap = h('input', { type: 'checkbox' })
  const submit = h('button.primary', { type: 'submit', id: 'add-submit' }, 'Add')
  const progress = h('progress', { id: 'add-progress', max: '1', value: '0', 'aria-labelledby': 'add-progress-label' })
  const progressText = h('span', { id: 'add-progress-label' }, 'Nothing added yet.')
  const result = h('div.result', { id: 'add-result', 'aria-live': 'polite' })
  const ecBox = h('fieldset.ec', {},
    h('legend', {}, 'Erasure coding'),
    field('add-data-shards', 'Data shards (d)', dataShards),
    field('add-parity-shards', 'Parity shards (p)', parityShards, 'The file survives the loss of any p shards of each stripe.'),
    field('add-shard-size', 'Shard size (bytes)', shardSize, 'Empty: derived from the input, at most 16 MiB.'))
  const form = h('form.add', { id: 'add-form', novalidate: false },
    field('add-files', 'Files', files),
    h('div.field', {}, h('label.check', { for: 'add-folder' }, folder, ' Pick a folder instead of files')),
    field('add-name', 'Name (optional)', name),
    h('div.field', {}, h('label.check', { for: 'add-wrap' }, wrap, ' Wrap in a directory')),
    h('div.field', {}, h('label.check', { for: 'add-erasure' }, erasure, ' Erasure coding (--erasure)')),
    ecBox,
    h('div.actions', {}, submit),
    h('div.progress', {}, progress, ' ', progressText),
    result)
  folder.id = 'add-folder'
  wrap.id = 'add-wrap'
  erasure.id = 'add-erasure'
  folder.addEventListener('change', () => { files.toggleAttribute('webkitdirectory', folder.checked) })
  erasure.addEventListener('change', () => { ecBox.disabled = !erasure.checked })
  main.append(h('h1', { tabindex: '-1' }, 'Add files'), form)

  let xhr = null
  form.addEventListener('submit', ev => {
    ev.preventDefault()
    if (xhr != null) return
    const list = [...files.files]
    if (list.length === 0) { files.focus(); return }
    const q = new URLSearchParams({ 'stream-channels': 'false' })
    if (name.value.trim() !== '') q.set('name', name.value.trim())
    if (wrap.checked || (list.length > 1 && !folder.checked)) q.set('wrap-with-directory', 'true')
    if (erasure.checked) {
      q.set('erasure', 'true')
      q.set('data-shards', dataShards.value)
      q.set('parity-shards', parityShards.value)
      if (shardSize.value !== '') q.set('shard-size', shardSize.value)
    }
    const total = list.reduce((n, f) => n + f.size, 0)
    // crypto.randomUUID needs a secure context (not http://<LAN address>)
    const boundary = `----cluster-ui-${Array.from(crypto.getRandomValues(new Uint8Array(12)), b => b.toString(16).padStart(2, '0')).join('')}`
    const body = multipartBody(list, boundary)
    xhr = new XMLHttpRequest()
    xhr.open('POST', apiUrl(`add?${q}`))
    xhr.setRequestHeader('Content-Type', `multipart/form-data; boundary=${boundary}`)
    progress.max = Math.max(1, total)
    progress.value = 0
    progressText.textContent = `Sending 0 of ${fmtBytes(total)}…`
    submit.disabled = true
    form.setAttribute('aria-busy', 'true')
    clear(result)
    announce('Add started')
    xhr.upload.onprogress = e => {
      const sent = Math.min(total, Math.max(0, e.loaded - (body.size - total)))
      progress.value = sent
      progressText.textContent = sent >= total ? `Sent ${fmtBytes(total)}; storing shards and pins…` : `Sent ${fmtBytes(sent)} of ${fmtBytes(total)}`
    }
    xhr.upload.onload = () => {
      progress.removeAttribute('value') // indeterminate while the daemon finishes
      progressText.textContent = `Sent ${fmtBytes(total)}; storing shards and pins…`
    }
    const done = (ok, text) => {
      xhr = null
      submit.disabled = false
      form.removeAttribute('aria-busy')
      progress.max = 1
      progress.value = ok ? 1 : 0
      progressText.textContent = text
      announce(text)
    }
    xhr.onload = () => {
      let body
      try { body = JSON.parse(xhr.responseText) } catch { body = null }
      if (xhr.status !== 200 || !Array.isArray(body)) {
        const msg = body?.message ?? `${xhr.status} ${xhr.statusText}`
        clear(result, h('p.error', { role: 'alert' }, `Add failed: ${msg}`))
        done(false, 'Add failed.')
        return
      }
      const outs = body.filter(o => o.cid)
      const root = outs[outs.length - 1]
      const ec = erasure.checked
      clear(result,
        h('p', {}, 'Added ', h('span.mono', { id: 'added-cid', title: root?.cid }, root?.cid ?? '?'), ` (${root?.name ?? ''})`),
        ec && root ? h('p', {}, h('a', { href: `#/file/${root.cid}`, id: 'added-link' }, `Open the shard map of ${root.name || shortCid(root.cid)}`)) : null,
        outs.length > 1 ? h('details', {}, h('summary', {}, `${outs.length} entries`), h('ul', {}, outs.map(o => h('li', {}, h('span.mono', {}, o.cid), ` ${o.name}`)))) : null)
      done(true, `Added ${fmtBytes(total)}.`)
    }
    xhr.onerror = () => {
      clear(result, h('p.error', { role: 'alert' }, 'Add failed: the connection to the daemon was lost.'))
      done(false, 'Add failed.')
    }
    xhr.send(body)
  })
  return () => { xhr?.abort() }
}
