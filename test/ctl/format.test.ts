import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  formatAdded, formatAlert, formatApiError, formatBandwidth, formatGlobalPinInfo, formatId, formatMetric, formatPin, formatRepoGC, formatVersion
} from '../../src/ctl/format/text.js'
import { goFixed, humanBytes, humanTime } from '../../src/ctl/format/humanize.js'
import { rfc3339Nano, goDateTime, isGoZeroTime } from '../../src/ctl/format/gotime.js'
import { goJson } from '../../src/ctl/format/json.js'
import { makeDot } from '../../src/ctl/format/graph.js'
import type { Alert, GlobalPinInfo, ID, Metric, Pin } from '../../src/api/types.js'
import { CID_A, PEER_A, PEER_B } from './helpers.js'

const ZERO = '0001-01-01T00:00:00Z'

test('ID', () => {
  const id: ID = {
    id: PEER_A,
    addresses: [`/ip4/192.168.1.2/tcp/9096/p2p/${PEER_A}`, `/ip4/127.0.0.1/tcp/9096/p2p/${PEER_A}`],
    cluster_peers: [PEER_A, PEER_B],
    cluster_peers_addresses: [],
    version: '1.1.6',
    commit: '',
    rpc_protocol_version: '/ipfscluster/1.0/rpc',
    error: '',
    ipfs: { id: PEER_B, addresses: ['/ip4/127.0.0.1/tcp/4001', '/ip4/10.0.0.1/tcp/4001'], error: '' },
    peername: 'peer0'
  }
  assert.equal(formatId(id),
    `${PEER_A} | peer0 | Sees 1 other peers\n` +
    '  > Addresses:\n' +
    `    - /ip4/127.0.0.1/tcp/9096/p2p/${PEER_A}\n` +
    `    - /ip4/192.168.1.2/tcp/9096/p2p/${PEER_A}\n` +
    `  > IPFS: ${PEER_B}\n` +
    '    - /ip4/10.0.0.1/tcp/4001\n' +
    '    - /ip4/127.0.0.1/tcp/4001\n')
  assert.equal(formatId({ ...id, ipfs: { addresses: null, error: 'ipfs down' } }),
    `${PEER_A} | peer0 | Sees 1 other peers\n  > Addresses:\n` +
    `    - /ip4/127.0.0.1/tcp/9096/p2p/${PEER_A}\n    - /ip4/192.168.1.2/tcp/9096/p2p/${PEER_A}\n` +
    '  > IPFS ERROR: ipfs down\n')
  assert.equal(formatId({ id: PEER_B, error: 'dial backoff' } as any), `${PEER_B} | ERROR: dial backoff\n`)
})

test('GlobalPinInfo', () => {
  const gpi: GlobalPinInfo = {
    cid: CID_A,
    name: 'myfile',
    allocations: [],
    origins: [],
    created: ZERO,
    metadata: null,
    peer_map: {
      [PEER_B]: { peername: '', status: 'pin_error', timestamp: '2024-05-06T10:11:12.120000000Z', error: 'ipfs timeout', attempt_count: 2, priority_pin: true },
      [PEER_A]: { peername: 'peer0', ipfs_peer_id: PEER_B, status: 'pinned', timestamp: '2024-05-06T10:11:12.123Z', error: '', attempt_count: 0, priority_pin: false }
    }
  }
  assert.equal(formatGlobalPinInfo(gpi),
    `${CID_A} | myfile:\n` +
    '    > peer0                : PINNED | 2024-05-06T10:11:12.123Z | Attempts: 0 | Priority: false\n' +
    `    > ${PEER_B} : PIN_ERROR: ipfs timeout | 2024-05-06T10:11:12.12Z | Attempts: 2 | Priority: true\n`)
  assert.equal(formatGlobalPinInfo({ ...gpi, name: '', peer_map: {} }), `${CID_A}:\n`)
})

function pin (over: Partial<Pin> = {}): Pin {
  return {
    replication_factor_min: 2,
    replication_factor_max: 3,
    name: 'n',
    mode: 'recursive',
    shard_size: 0,
    user_allocations: null,
    expire_at: ZERO,
    metadata: null,
    pin_update: null,
    origins: null,
    cid: CID_A,
    type: 'pin',
    allocations: [PEER_B, PEER_A],
    max_depth: -1,
    reference: null,
    timestamp: '2024-05-06T10:11:12.5+02:00',
    ...over
  }
}

test('Pin', () => {
  assert.equal(formatPin(pin()),
    `${CID_A} | n | PIN | Repl. Factor: 2--3 | Allocations: [${PEER_A} ${PEER_B}] | Recursive | Metadata: no | Exp: ∞ | Added: 2024-05-06 10:11:12\n`)
  assert.equal(formatPin(pin({ replication_factor_min: -1, replication_factor_max: -1, allocations: [], mode: 'direct', max_depth: 0, metadata: { a: 'b' }, expire_at: '2030-01-02T03:04:05Z', timestamp: ZERO })),
    `${CID_A} | n | PIN-DIRECT | Repl. Factor: -1 | Allocations: [everywhere] | Direct | Metadata: yes | Exp: 2030-01-02 03:04:05 | Added: unknown\n`)
  assert.equal(formatPin(pin({ type: 'shard-pin', max_depth: 1, allocations: null, name: '' })),
    `${CID_A} |  | SHARD-PIN | Repl. Factor: 2--3 | Allocations: [] | Recursive-1 | Metadata: no | Exp: ∞ | Added: 2024-05-06 10:11:12\n`)
})

test('added, version, error', () => {
  assert.equal(formatAdded({ name: 'dir/f', cid: CID_A }), `added ${CID_A} dir/f\n`)
  assert.equal(formatAdded({ name: 'dir/f', cid: CID_A }, true), `${CID_A}\n`)
  assert.equal(formatVersion({ version: '1.1.6' }), '1.1.6\n')
  assert.equal(formatApiError({ code: 401, message: 'Unauthorized' }), 'An error occurred:\n  Code: 401\n  Message: Unauthorized\n')
})

test('metrics, alerts, bandwidth, repo gc', () => {
  const now = Date.UTC(2024, 0, 1)
  const m: Metric = { name: 'freespace', peer: PEER_A, value: '12000000000', expire: (now + 28_500) * 1e6, valid: true, weight: 12_345_678_901, partitionable: false, received_at: now * 1e6 }
  assert.equal(formatMetric(m, now), `${PEER_A} | freespace: 12 GB | Expires in: 28 seconds from now\n`)
  assert.match(formatMetric(m, now), /^\S+ \| freespace: [0-9]+ (G|M|K)B \| Expires in: [0-9]+ seconds from now/)
  assert.equal(formatMetric({ ...m, name: 'ping', value: '' }, now), `${PEER_A} | ping:  | Expires in: 28 seconds from now\n`)
  const a: Alert = { ...m, name: 'ping', expire: (now - 90_000) * 1e6, triggered_at: new Date(now - 5000).toISOString() }
  assert.equal(formatAlert(a, now), `${PEER_A}: ping. Expired at: 1 minute ago. Triggered at: 5 seconds ago\n`)
  assert.equal(formatBandwidth({ '/p2p/id/1.0.0': { total_in: 1234, total_out: 5, rate_in: 1.5, rate_out: 0 } }),
    '            /p2p/id/1.0.0: In:  1.2 kB. Out:     5 B. RateIn: 1.50B/s. RateOut: 0.00B/s\n')
  assert.equal(formatRepoGC({
    peer_map: {
      [PEER_B]: { peer: PEER_B, peername: 'p1', keys: [{ key: CID_A }, { key: '', error: 'bad' }] },
      [PEER_A]: { peer: PEER_A, peername: '', keys: null, error: 'ipfs down' }
    }
  }), `${PEER_A} | ERROR: ipfs down\n  > CIDs:\np1             \n  > CIDs:\n    - ${CID_A}\n    - ERROR: bad\n`)
})

test('go-humanize and Go time text', () => {
  assert.equal(humanBytes(0), '0 B')
  assert.equal(humanBytes(9), '9 B')
  assert.equal(humanBytes(999), '999 B')
  assert.equal(humanBytes(1000), '1.0 kB')
  assert.equal(humanBytes(82854982), '83 MB')
  assert.equal(humanBytes(1_999_999_999), '2.0 GB')
  assert.equal(humanBytes(12_450_000_000), '12 GB', 'ties round to even like Go')
  assert.equal(humanBytes(13_450_000_000), '14 GB')
  assert.equal(goFixed(0.125, 2), '0.12')
  assert.equal(goFixed(0.375, 2), '0.38')
  assert.equal(goFixed(2.5, 0), '2')
  assert.equal(goFixed(-2.5, 0), '-2')
  assert.equal(goFixed(1.005, 2), '1.00')
  assert.equal(goFixed(0, 2), '0.00')
  const now = 1_000_000_000_000
  assert.equal(humanTime(now + 500, now), 'now')
  assert.equal(humanTime(now - 1500, now), '1 second ago')
  assert.equal(humanTime(now + 3 * 3600_000, now), '3 hours from now')
  assert.equal(humanTime(now - 10 * 86400_000, now), '1 week ago')
  assert.equal(humanTime(now - 400 * 86400_000, now), '1 year ago')
  assert.equal(rfc3339Nano('2024-05-06T10:11:12.000Z'), '2024-05-06T10:11:12Z')
  assert.equal(rfc3339Nano('2024-05-06T10:11:12.10+00:00'), '2024-05-06T10:11:12.1Z')
  assert.equal(rfc3339Nano('2024-05-06T10:11:12.123456789-07:00'), '2024-05-06T10:11:12.123456789-07:00')
  assert.equal(goDateTime('2024-05-06T10:11:12.9-07:00'), '2024-05-06 10:11:12')
  assert.ok(isGoZeroTime(ZERO))
  assert.ok(!isGoZeroTime('1970-01-01T00:00:00Z'))
})

test('JSON output is Go MarshalIndent-like', () => {
  assert.equal(goJson({ a: [1], b: {}, c: '<&>' }), '{\n    "a": [\n        1\n    ],\n    "b": {},\n    "c": "\\u003c\\u0026\\u003e"\n}\n')
})

const P1 = 'QmUBuxVHoNNjfmNpTad36UeaFQv3gXAtCv9r6KhmeqhEhD'
const P2 = 'QmV35LjbEGPfN7KfMAJp43VV2enwXqqQf5esx4vUcgHDQJ'
const P3 = 'QmZ2ckU7G35MYyJgMTwMUnicsGqSy3YUxGBX7qny6MQmJu'
const I1 = 'QmXbiVZd93SLiu9TAm21F2y9JwGiFLydbEVkPBaMR3DZDV'
const I2 = 'QmPFKAGZbUjdzt8BBx8VTWCe9UeUQVcoqHFehSPzN5LSsq'
const I3 = 'QmbU7273zH6jxwDe2nqRmEm2rp5PpqP2xeQr2xCmwbBsuL'
const X1 = 'QmQsdAdCHs4PRLi5tcoLfasYppryqQENxgAy4b2aS8xccb'

const cnode = (id: string, n: string, self: boolean): string =>
  `${n} [label=< <B>  </B> <BR/> <B> ${id.slice(0, 2)}*${id.slice(-6)} </B> > group="${id}" color="${self ? 'orange' : 'darkorange3'}" ` +
  `style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="box3d" ${self ? 'peripheries="2" ' : ''}]`
const inode = (id: string, n: string): string =>
  `${n} [label=< <B> IPFS </B> <BR/> <B> ${id.slice(0, 2)}*${id.slice(-6)} </B> > group="${id}" color="turquoise3" ` +
  'style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="cylinder" ]'

test('health graph DOT, three peers', () => {
  const cg = {
    cluster_id: P1,
    id_to_peername: {},
    cluster_trust_links: {},
    cluster_links: { [P1]: [P2, P3], [P2]: [P1, P3], [P3]: [P1, P2] },
    ipfs_links: { [I1]: [I2, I3, X1], [I2]: [I1, I3], [I3]: [I1, I2] },
    cluster_to_ipfs: { [P1]: I1, [P2]: I2, [P3]: I3 }
  }
  // sorted ipfs ids: I2 (QmP…) < I1 (QmX…) < I3 (Qmb…)
  const expected = [
    'digraph cluster {',
    '/* The nodes of the connectivity graph */',
    '/* The cluster-service peers */',
    'subgraph  {',
    'rank="min"',
    cnode(P1, 'C0', true), cnode(P2, 'C1', false), cnode(P3, 'C2', false),
    '}',
    '',
    '/* The ipfs peers */',
    'subgraph  {',
    'rank="max"',
    inode(I2, 'I0'), inode(I1, 'I1'), inode(I3, 'I2'),
    '}',
    '',
    '/* Edges representing active connections in the cluster */',
    '/* The connections among cluster-service peers */',
    'C0 -> C1', 'C0 -> C2', 'C1 -> C0', 'C1 -> C2', 'C2 -> C0', 'C2 -> C1',
    '',
    '/* The connections between cluster peers and their ipfs daemons */',
    'C0 -> I1', 'C1 -> I0', 'C2 -> I2',
    '',
    '/* The swarm peer connections among ipfs daemons in the cluster */',
    'I0 -> I1', 'I0 -> I2', 'I1 -> I0', 'I1 -> I2', 'I2 -> I1', 'I2 -> I0',
    '}'
  ].join('\n')
  assert.equal(makeDot(cg, false), expected)
  // --all-ipfs-peers adds the outside swarm peer as a node and its edge
  const all = makeDot(cg, true)
  assert.match(all, new RegExp(`I1 \\[label=< <B> IPFS </B> <BR/> <B> Qm\\*S8xccb </B> > group="${X1}"`))
  assert.match(all, /\nI2 -> I0\nI2 -> I3\nI2 -> I1\nI3 -> I2\n/)
})

test('health graph DOT, one peer with and without IPFS', () => {
  const one = { cluster_id: P1, id_to_peername: { [P1]: 'peer0' }, cluster_trust_links: { [P1]: true }, cluster_links: { [P1]: [] }, ipfs_links: { [I1]: [] }, cluster_to_ipfs: { [P1]: I1 } }
  const dot = makeDot(one, false)
  assert.ok(dot.includes('\nC0 -> I0\n'))
  assert.ok(dot.includes('C0 [label=< <B> peer0 </B> <BR/> <B> Qm*eqhEhD </B> >'))
  const missing = makeDot({ ...one, ipfs_links: {}, cluster_to_ipfs: {} }, false)
  assert.ok(missing.includes(`I0 [label=< <B> IPFS </B> <BR/> <B> Errored </B> > group="${P1}" color="firebrick1"`))
  assert.ok(missing.includes('\nC0 -> I0 [ style="dotted" ]\n'))
  // trusted non-self peers are T nodes
  const trusted = makeDot({ ...one, cluster_links: { [P1]: [P2], [P2]: [P1] }, cluster_trust_links: { [P2]: true } }, false)
  assert.ok(trusted.includes(`T1 [label=< <B>  </B> <BR/> <B> Qm*cgHDQJ </B> > group="${P2}" color="orange"`))
})
