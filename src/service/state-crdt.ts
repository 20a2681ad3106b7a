// `cluster-service state crdt info | dot | mark-dirty | mark-clean` (upstream's CRDT debugging
// commands, go-ds-crdt's InternalStats / DotDAG / MarkDirty / MarkClean). Like the other state
// commands they open the pinset offline, so the daemon must be stopped (the lock says so).
import type { Command } from 'commander'
import { createWriteStream } from 'node:fs'
import type { CrdtConsensus, CrdtInfo } from '../consensus/index.js'
import { decodeDelta } from '../consensus/delta.js'

/** Runs fn on the offline consensus, lock held (main.ts's withState). */
export type WithState = <T>(fn: (state: CrdtConsensus) => Promise<T>) => Promise<T>

/**
 * upstream: "Number of heads: %d. Current max-height: %d. Dirty: %t\nHeads: %s" (Go prints the
 * CID slice as [a b c]). Dirty is also true while heads announced by other peers wait to be
 * fetched again: both are repaired at the next start.
 */
export function crdtInfoText (info: CrdtInfo): string {
  return `Number of heads: ${info.heads.length}. Current max-height: ${info.maxHeight}. Dirty: ${String(info.dirty)}\n` +
    `Heads: [${info.heads.join(' ')}]\n`
}

/**
 * The CRDT DAG as Graphviz DOT, node for node as go-ds-crdt's DotDAG: the heads subgraph, then
 * depth-first from each head (links in order, each delta once) a labelled node
 * "<priority> | <last 4 chars of the CID>: +<elements> -<tombstones>", its edges and a
 * subgraph of its children. Iterative: a DAG of a million deltas is a million levels deep.
 * A delta missing from the store is skipped below a head (as upstream ignores child errors),
 * an error at a head.
 */
export async function * dotDAG (state: Pick<CrdtConsensus, 'info' | 'getDelta'>): AsyncGenerator<string> {
  const heads = state.info().heads
  yield 'digraph CRDTDAG {\n'
  yield 'subgraph heads {\n'
  for (const h of heads) yield `${h}\n`
  yield '}\n'
  const seen = new Set<string>()
  for (const head of heads) {
    const stack: Array<{ cid: string, head: boolean }> = [{ cid: head, head: true }]
    while (stack.length > 0) {
      const { cid, head: isHead } = stack.pop()!
      if (seen.has(cid)) continue
      seen.add(cid)
      const bytes = await state.getDelta(cid)
      if (bytes === undefined) {
        if (isHead) throw new Error(`delta ${cid} not found in the store`)
        continue
      }
      const delta = decodeDelta(cid, bytes)
      yield `${cid} [label="${delta.priority} | ${cid.slice(-4)}: +${delta.elements.length} -${delta.tombstones.length}"]\n`
      yield `${cid} -> {${delta.links.map(l => `${l} `).join('')}}\n`
      yield `subgraph sg_${cid} {\n${delta.links.map(l => `${l}\n`).join('')}}\n`
      for (let i = delta.links.length - 1; i >= 0; i--) stack.push({ cid: delta.links[i], head: false })
    }
  }
  yield '}\n'
}

export function registerStateCrdt (state: Command, withState: WithState): void {
  const crdt = state.command('crdt').description('CRDT-state commands (the daemon must be stopped)')

  crdt.command('info')
    .description('print information about the CRDT store: current heads, max height, dirty flag')
    .action(async () => {
      const text = await withState(async s => crdtInfoText(s.info()))
      process.stdout.write(text)
    })

  crdt.command('dot')
    .description('write the CRDT-DAG as a Graphviz DOT file (debugging; large DAGs make large files)')
    .option('-f, --file <path>', 'write to a file instead of stdout', '')
    .action(async (o: { file: string }) => {
      await withState(async s => {
        process.stderr.write('initiating CRDT-DAG DOT file export. Export might take a long time on large graphs\n')
        const out: NodeJS.WritableStream = o.file === '' ? process.stdout : createWriteStream(o.file)
        for await (const chunk of dotDAG(s)) {
          if (!out.write(chunk)) await new Promise(resolve => out.once('drain', resolve))
        }
        if (out !== process.stdout) await new Promise<void>(resolve => out.end(resolve))
      })
    })

  crdt.command('mark-dirty')
    .description('mark the CRDT store dirty: the DAG is merged again (repair) when the daemon next starts')
    .action(async () => {
      await withState(async s => { await s.markDirty(true) })
      process.stdout.write('Datastore marked \'dirty\'\n')
    })

  crdt.command('mark-clean')
    .description('remove the dirty mark of the CRDT store: no repair at the next start')
    .action(async () => {
      const info = await withState(async s => {
        await s.markDirty(false)
        return s.info()
      })
      process.stdout.write('Datastore marked \'clean\'\n')
      if (info.dirty) process.stderr.write('note: heads announced by other peers could not be fetched yet; they are retried at the next start\n')
    })
}
