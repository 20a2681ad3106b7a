// Writing what the CLI downloads (ecget's file, the files of a directory's tar) to disk.
// Synchronous writes on the CLI's one thread: a WriteStream hands every 64 KiB socket read to
// libuv's thread pool and back (a thread wake-up, a queue and a callback each), and the command
// has nothing else to do meanwhile. A 512 MiB ecget from 6 local peers: cluster-ctl 5.9 -> 3.6
// CPU-s per GiB, CPU the daemons on the same machine then have.
import { closeSync, openSync, writeSync } from 'node:fs'

/** Writes the pieces, in order, to a new file at `path` (replacing one there). */
export async function writeFileFrom (pieces: AsyncIterable<Uint8Array>, path: string, onBytes?: (n: number) => void): Promise<void> {
  const fd = openSync(path, 'w')
  try {
    for await (const piece of pieces) {
      onBytes?.(piece.byteLength)
      // a short write (a full disk returns an error instead) goes on where it stopped
      for (let at = 0; at < piece.byteLength;) at += writeSync(fd, piece, at)
    }
  } finally {
    closeSync(fd)
  }
}
