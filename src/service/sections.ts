// Every section `init` writes, in service.json order. A component whose section is absent from
// service.json is disabled (APIs, informers), as upstream does.
import type { ConfigSection } from '../config/section.js'
import { clusterConfigSection } from '../cluster/config.js'
import { crdtConfigSection } from '../consensus/config.js'
import { restApiConfigSection } from '../restapi/config.js'
import { ipfsProxyConfigSection } from '../ipfsproxy/config.js'
import { embeddedIpfsConfigSection } from '../ipfs/embedded/config.js'
import { pinTrackerConfigSection } from '../pintracker/config.js'
import { monitorConfigSection } from '../monitor/config.js'
import { allocatorConfigSection } from '../allocator/config.js'
import { diskConfigSection } from '../informer/disk.js'
import { tagsConfigSection } from '../informer/tags.js'
import { pinqueueConfigSection } from '../informer/pinqueue.js'
import { datastoreConfigSection } from '../datastore/config.js'
import { pinSvcApiConfigSection } from '../pinsvcapi/config.js'
import { metricsConfigSection } from '../observations/config.js'

export const INIT_SECTIONS: Array<ConfigSection<any>> = [
  clusterConfigSection,
  crdtConfigSection,
  // upstream's order inside "api": ipfsproxy, pinsvcapi, restapi
  ipfsProxyConfigSection,
  pinSvcApiConfigSection,
  restApiConfigSection,
  embeddedIpfsConfigSection,
  pinTrackerConfigSection,
  monitorConfigSection,
  allocatorConfigSection,
  diskConfigSection,
  tagsConfigSection,
  pinqueueConfigSection,
  metricsConfigSection,
  datastoreConfigSection
]
