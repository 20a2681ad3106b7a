// The IPFS proxy component: config section, server, and the cluster-wide repo/stat it needs.
export { ipfsProxyConfigSection, DEFAULT_PROXY_LISTEN } from './config.js'
export type { IpfsProxyConfig } from './config.js'
export { IpfsProxy } from './server.js'
export type { IpfsProxyInit } from './server.js'
export { clusterRepoStat, registerRepoStatRpc } from './repo-stat.js'
export { KuboRpcError } from './errors.js'
