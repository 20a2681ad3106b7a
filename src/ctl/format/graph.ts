// Graphviz DOT rendering of the connectivity graph (GET /health/graph), the same text upstream's
// `health graph` writes (cmd/ipfs-cluster-ctl/graph.go with the go-dot writer): cluster peers as
// box3d nodes C<n> (T<n> for trusted ones), IPFS daemons as cylinders I<n>, then the edges.
import type { ConnectGraph } from '../../api/types.js'

interface Vertex {
  id: string
  label: string
  group: string
  color: string
  shape: string
  peripheries: number
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

function shorten (id: string): string {
  return id.slice(0, 2) + '*' + id.slice(-6)
}

function label (peername: string, id: string): string {
  return `< <B> ${peername} </B> <BR/> <B> ${id} </B> >`
}

function vertexLine (v: Vertex): string {
  // go-dot prints the attributes in struct order, HTML labels unquoted, empty ones skipped
  let s = `${v.id} [label=${v.label} group="${v.group}" color="${v.color}" style="filled" colorscheme="x11" ` +
    `fontcolor="black" fontname="Arial" shape="${v.shape}" `
  if (v.peripheries !== 0) s += `peripheries="${v.peripheries}" `
  return s + ']'
}

/** The DOT text; like upstream it has no newline after the final "}". */
export function makeDot (cg: ConnectGraph, allIpfs: boolean): string {
  const ipfsLinks = cg.ipfs_links ?? {}
  const clusterLinks = cg.cluster_links ?? {}
  const clusterToIpfs = cg.cluster_to_ipfs ?? {}
  const trust = cg.cluster_trust_links ?? {}
  const names = cg.id_to_peername ?? {}

  // IPFS edges only among the cluster's IPFS daemons, unless every swarm peer is wanted
  const ipfsEdges = new Map<string, string[]>()
  for (const [k, v] of Object.entries(ipfsLinks)) {
    ipfsEdges.set(k, [])
    for (const id of v ?? []) {
      if (id in ipfsLinks || allIpfs) ipfsEdges.get(k)?.push(id)
      if (allIpfs && !ipfsEdges.has(id)) ipfsEdges.set(id, [])
    }
  }

  const clusterNodes = new Map<string, Vertex>()
  const ipfsNodes = new Map<string, Vertex>()
  const lines: string[] = []
  lines.push('/* The nodes of the connectivity graph */')
  lines.push('/* The cluster-service peers */')

  const sortedCluster = Object.keys(clusterLinks).sort(byteOrder)
  const clusterLines: string[] = []
  for (const k of sortedCluster) {
    const n = clusterNodes.size
    let v: Vertex
    if (k === cg.cluster_id) {
      v = { id: `C${n}`, label: label(names[k] ?? '', shorten(k)), group: k, color: 'orange', shape: 'box3d', peripheries: 2 }
    } else if (trust[k] === true) {
      v = { id: `T${n}`, label: label(names[k] ?? '', shorten(k)), group: k, color: 'orange', shape: 'box3d', peripheries: 0 }
    } else {
      v = { id: `C${n}`, label: label(names[k] ?? '', shorten(k)), group: k, color: 'darkorange3', shape: 'box3d', peripheries: 0 }
    }
    clusterNodes.set(k, v)
    clusterLines.push(vertexLine(v))
  }
  lines.push(`subgraph  {\nrank="min"\n${clusterLines.map(l => l + '\n').join('')}}`)
  lines.push('')

  lines.push('/* The ipfs peers */')
  const ipfsLines: string[] = []
  const sortedIpfs = [...ipfsEdges.keys()].sort(byteOrder)
  for (const k of sortedIpfs) {
    const v: Vertex = { id: `I${ipfsNodes.size}`, label: label('IPFS', shorten(k)), group: k, color: 'turquoise3', shape: 'cylinder', peripheries: 0 }
    ipfsNodes.set(k, v)
    ipfsLines.push(vertexLine(v))
  }
  for (const k of sortedCluster) {
    if (!(k in clusterToIpfs)) {
      const v: Vertex = { id: `I${ipfsNodes.size}`, label: label('IPFS', 'Errored'), group: k, color: 'firebrick1', shape: 'cylinder', peripheries: 0 }
      ipfsNodes.set(k, v)
      ipfsLines.push(vertexLine(v))
    }
  }
  lines.push(`subgraph  {\nrank="max"\n${ipfsLines.map(l => l + '\n').join('')}}`)
  lines.push('')

  lines.push('/* Edges representing active connections in the cluster */')
  lines.push('/* The connections among cluster-service peers */')
  for (const k of sortedCluster) {
    const from = clusterNodes.get(k)
    for (const id of clusterLinks[k] ?? []) {
      const to = clusterNodes.get(id)
      if (from == null || to == null) continue
      lines.push(`${from.id} -> ${to.id}`)
    }
  }
  lines.push('')

  lines.push('/* The connections between cluster peers and their ipfs daemons */')
  for (const k of sortedCluster) {
    const from = clusterNodes.get(k)
    if (from == null) continue
    const ipfsId = clusterToIpfs[k]
    if (ipfsId == null) {
      const to = ipfsNodes.get(k)
      if (to != null) lines.push(`${from.id} -> ${to.id} [ style="dotted" ]`)
      continue
    }
    const to = ipfsNodes.get(ipfsId)
    if (to != null) lines.push(`${from.id} -> ${to.id}`)
  }
  lines.push('')

  lines.push('/* The swarm peer connections among ipfs daemons in the cluster */')
  for (const k of sortedIpfs) {
    const from = ipfsNodes.get(k)
    for (const id of ipfsEdges.get(k) ?? []) {
      const to = ipfsNodes.get(id)
      if (from == null || to == null) continue
      lines.push(`${from.id} -> ${to.id}`)
    }
  }
  return `digraph cluster {\n${lines.map(l => l + '\n').join('')}}`
}
