import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

// dist/test/harness/paths.js → project root
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const SERVICE_BIN = join(ROOT, 'bin', 'cluster-service.js')
export const CTL_BIN = join(ROOT, 'bin', 'cluster-ctl.js')
/** the Node that runs the tests (Node 22 from node_modules under `npm test`) */
export const NODE = process.execPath
