// The Reed-Solomon codec as the rest of the cluster sees it. Implementations must be
// byte-compatible with what they recorded in `id`: the id goes into every manifest, and a
// reader refuses a manifest whose codec it does not have.

export interface CodecOptions {
  signal?: AbortSignal
}

export interface Codec {
  /** recorded in the manifest, e.g. 'rs-vandermonde-gf8/subspace-wasm-0.2.5' */
  readonly id: string

  /**
   * Parity of `data` (d shards of equal, non-zero length): `parityCount` shards of that length.
   * An implementation may take over the memory of `data` (a worker transfer): callers must not
   * use the data views afterwards. The parity shards are views of one (d+p) x size buffer that
   * holds the data shards first, shard i at i x size: the coded stripe, which the encoder keeps.
   */
  encode (data: Uint8Array[], parityCount: number, opts?: CodecOptions): Promise<Uint8Array[]>

  /**
   * All d+p shards from any d of them. `shards` has d+p entries, `undefined` for a lost one;
   * present shards have equal, non-zero length. Lost parity is rebuilt too.
   */
  reconstruct (shards: Array<Uint8Array | undefined>, d: number, p: number, opts?: CodecOptions): Promise<Uint8Array[]>

  /** Releases the codec's resources; later calls fail with CodecClosedError. */
  close (): Promise<void>
}
