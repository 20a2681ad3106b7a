// The execution lock (cluster.lock): one daemon or state command per config folder. Upstream
// uses flock, which the kernel releases when the holder dies; a lock file holding the pid gives
// the same guarantee: a lock whose process is gone is taken over.
import { open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'

export class LockError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'LockError'
  }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err: any) {
    return err.code === 'EPERM'
  }
}

export async function acquireLock (dir: string): Promise<() => Promise<void>> {
  const file = join(dir, 'cluster.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600)
      await fh.writeFile(String(process.pid))
      await fh.close()
      return async () => { await rm(file, { force: true }) }
    } catch (err: any) {
      if (err.code !== 'EEXIST') throw err
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new LockError(`cannot acquire lock ${file}: process ${pid} holds it. If no other cluster-service is running on this folder, remove the file`)
      }
      await rm(file, { force: true })
    }
  }
  throw new LockError(`cannot acquire lock ${file}`)
}
