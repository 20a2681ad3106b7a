// Everything an unixfs import needs, resolved from AddParams once and up front, so that a bad
// option fails before the first byte of the body is read.
import type { AddParams } from '../api/params.js'
import { CidBuilder } from './cid-builder.js'
import { makeChunker, type Chunker } from './chunker.js'
import type { BlockSink } from './types.js'

export interface ImportOptions {
  signal?: AbortSignal
  /** called as content is read: every 256 KiB and at the end of each file (name as printed) */
  onProgress?: (name: string, bytes: number) => void
}

export interface ImportContext {
  builder: CidBuilder
  chunker: Chunker
  rawLeaves: boolean
  layout: 'balanced' | 'trickle'
  sink: BlockSink
  signal?: AbortSignal
  onProgress?: (name: string, bytes: number) => void
}

export function importContext (params: AddParams, sink: BlockSink, opts: ImportOptions = {}): ImportContext {
  return {
    builder: new CidBuilder(params.cid_version, params.hash),
    chunker: makeChunker(params.chunker),
    rawLeaves: params.raw_leaves,
    layout: params.layout === 'trickle' ? 'trickle' : 'balanced',
    sink,
    signal: opts.signal,
    onProgress: opts.onProgress
  }
}
