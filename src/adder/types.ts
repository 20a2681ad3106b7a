// What the adder consumes and produces. A multipart body (REST /add, proxy /api/v0/add) is
// parsed into AddEntry values in the order the client sent them.

export interface AddEntry {
  /** relative path with '/' separators, e.g. "dir/sub/file.txt" */
  path: string
  type: 'file' | 'directory' | 'symlink'
  /** file bytes (files), link target (symlinks) */
  content?: AsyncIterable<Uint8Array>
  mode?: number
  mtime?: { secs: number, nsecs?: number }
  /** the part's abspath header (nocopy / URL adds), when the client sent one */
  abspath?: string
}

/** Where imported blocks go: the local blockstore, or the BlockStream to allocated peers. */
export interface BlockSink {
  put (cid: import('multiformats/cid').CID, bytes: Uint8Array, signal?: AbortSignal): Promise<void>
}
