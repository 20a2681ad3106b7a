// Layout of the CRDT under its namespace (default /c) of the peer's datastore:
//   /s/v/<key>        visible value of a key (the merged state)
//   /s/e/<key>/<id>   live element of a key added by delta <id>: {priority, value}
//   /s/t/<key>/<id>   tombstone of that element
//   /h/<cid>          current head and its height
//   /b/<cid>          delta block
//   /m/<cid>          processed mark: the delta and everything below it are merged
//   /q/<cid>          announced head whose processing failed, value = announcing peer
//   /d                dirty mark (repair pending)
// Queries always end their prefix with "/" so that /s/e/ab never matches key "abc".
import { Key } from 'interface-datastore'

export class CrdtKeys {
  private readonly ns: string

  constructor (namespace: string) {
    this.ns = namespace.replace(/\/+$/, '')
  }

  root (): string { return `${this.ns}/` }
  value (key: string): Key { return new Key(`${this.ns}/s/v/${key}`) }
  valuePrefix (): string { return `${this.ns}/s/v/` }
  element (key: string, id: string): Key { return new Key(`${this.ns}/s/e/${key}/${id}`) }
  elementPrefix (key: string): string { return `${this.ns}/s/e/${key}/` }
  tombstone (key: string, id: string): Key { return new Key(`${this.ns}/s/t/${key}/${id}`) }
  tombstonePrefix (): string { return `${this.ns}/s/t/` }
  head (cid: string): Key { return new Key(`${this.ns}/h/${cid}`) }
  headPrefix (): string { return `${this.ns}/h/` }
  block (cid: string): Key { return new Key(`${this.ns}/b/${cid}`) }
  processed (cid: string): Key { return new Key(`${this.ns}/m/${cid}`) }
  pending (cid: string): Key { return new Key(`${this.ns}/q/${cid}`) }
  pendingPrefix (): string { return `${this.ns}/q/` }
  dirty (): Key { return new Key(`${this.ns}/d`) }

  /** The last path segment of a key found under a prefix. */
  static tail (key: Key, prefix: string): string {
    return key.toString().slice(prefix.length)
  }
}
