// The name a bin was called by, as upstream's `filepath.Base(os.Args[0])`: `ipfs-cluster-ctl`
// when run through that name (npm's symlink or bin/ipfs-cluster-ctl.js), `cluster-ctl` otherwise.
import { basename } from 'node:path'

/** Names each tool answers to: the short one first (the fallback), then upstream's. */
const FAMILIES: Record<string, string[]> = {
  'cluster-ctl': ['cluster-ctl', 'ipfs-cluster-ctl'],
  'cluster-service': ['cluster-service', 'ipfs-cluster-service'],
  'cluster-follow': ['cluster-follow', 'ipfs-cluster-follow']
}

/**
 * The program name from a script path (process.argv[1] by default): its basename without a
 * .js/.mjs/.cjs extension when that is one of the tool's names, else `fallback` (so that
 * `node dist/src/ctl/main.js` or a test runner still reads as cluster-ctl).
 */
export function programName (fallback: keyof typeof FAMILIES, script: string | undefined = process.argv[1]): string {
  if (script == null || script === '') return fallback
  const base = basename(script).replace(/\.(c|m)?js$/, '')
  return FAMILIES[fallback].includes(base) ? base : fallback
}
