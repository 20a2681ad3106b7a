// The consensus component: the cluster pinset as a Merkle-CRDT (see ARCHITECTURE.md, Consensus).
// The daemon wires it to the network by implementing Broadcaster over gossipsub on the topic
// pubsubTopic(config.clusterName) and DeltaFetcher over peer RPC (served by getDelta).
export { CrdtConsensus, DEFAULT_FETCH_TIMEOUT } from './consensus.js'
export type { CrdtConsensusInit } from './consensus.js'
export type { CrdtInfo } from './crdt.js'
export { crdtConfigSection, batchingEnabled } from './config.js'
export type { CrdtConfig, CrdtBatchingConfig } from './config.js'
export { pubsubTopic } from './topic.js'
export type { Broadcaster, BroadcastMessage, DeltaFetcher, ConsensusHooks, ConsensusLogger } from './interfaces.js'
export { BatchQueueFullError, ConsensusClosedError, DeltaFetchError, InvalidDeltaError, ERR_MAX_QUEUE_SIZE_REACHED, ERR_NO_LEADER, ERR_RM_PEER } from './errors.js'
export { openOfflineState, exportState, importState, cleanupState } from './offline.js'
export { encodeStateNDJSON, parseJSONValues, decodeStatePins, MalformedStateError } from './state-io.js'
export type { ImportOverrides } from './state-io.js'
