// Sections of an upstream service.json this peer cannot honour: a pebble/badger/badger3
// datastore and raft consensus. They are refused at load (daemon and state commands) with what
// is supported and how to migrate, instead of silently falling back to leveldb/crdt, which
// would start the peer on an empty pinset next to the real one.
import type { JSONObject } from './section.js'

const SUPPORTED_DATASTORES = ['leveldb']
const SUPPORTED_CONSENSUS = ['crdt']

function keysOf (node: unknown): string[] {
  return node != null && typeof node === 'object' && !Array.isArray(node) ? Object.keys(node) : []
}

/** The problems of a service.json's datastore and consensus sections, one message each. */
export function unsupportedSections (json: JSONObject, file: string): string[] {
  const problems: string[] = []
  const migrate = (what: string, replace: string): string =>
    `To migrate, export the pinset with the peer that wrote this configuration ` +
    `("ipfs-cluster-service state export -f pins.ndjson", daemon stopped), ${what}, ` +
    `then run "cluster-service state import pins.ndjson" and start the daemon. ${replace}`
  for (const name of keysOf(json.datastore).filter(k => !SUPPORTED_DATASTORES.includes(k))) {
    problems.push(`${file}: datastore "${name}" (section datastore.${name}) is not supported by this peer; ` +
      `supported: ${SUPPORTED_DATASTORES.map(s => `datastore.${s}`).join(', ')} (a LevelDB store in the config folder, ` +
      `folder "leveldb" by default). ` +
      migrate(`replace "datastore": {"${name}": {...}} with "datastore": {"leveldb": {}}`,
        'The data in the old folder is not read or removed.'))
  }
  for (const name of keysOf(json.consensus).filter(k => !SUPPORTED_CONSENSUS.includes(k))) {
    problems.push(`${file}: consensus "${name}" (section consensus.${name}) is not supported by this peer; ` +
      `supported: ${SUPPORTED_CONSENSUS.map(s => `consensus.${s}`).join(', ')} (Merkle-CRDT pinset). ` +
      migrate(`replace "consensus": {"${name}": {...}} with a "crdt" section ("cluster-service init --force" ` +
        'in a scratch folder writes one; keep cluster.secret, and list the peers you trust in trusted_peers)',
      'Every peer of the cluster must move to crdt.'))
  }
  return problems
}
