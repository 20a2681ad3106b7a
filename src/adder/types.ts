// What the adder consumes and produces. A multipart body (REST /add, proxy /api/v0/add) is
// parsed into AddEntry values in the order the client sent them.
import type { Uint8ArrayList } from 'uint8arraylist'

export interface AddEntry {
  /** relative path with '/' separators, e.g. "dir/sub/file.txt" */
  path: string
  type: 'file' | 'directory' | 'symlink'
  /**
   * file bytes (files), link target (symlinks). The pieces are never written to once yielded:
   * the importer keeps views of them as its leaves' bytes instead of copying them.
   */
  content?: AsyncIterable<Uint8Array>
  mode?: number
  mtime?: { secs: number, nsecs?: number }
  /** the part's abspath header (nocopy / URL adds), when the client sent one */
  abspath?: string
}

/**
 * Where imported blocks go: the local blockstore, or the BlockStream to allocated peers. A raw
 * leaf may come as the pieces of the upload it was cut from (a Uint8ArrayList of views that
 * nothing writes to); a sink that needs it in one piece joins it.
 */
export interface BlockSink {
  put (cid: import('multiformats/cid').CID, bytes: Uint8Array | Uint8ArrayList, signal?: AbortSignal): Promise<void>
}
