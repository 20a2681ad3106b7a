// Window updates as Go's yamux sends them. js-libp2p's yamux (8.x) answers every data frame it
// receives with a window update: a 12-byte frame that becomes its own noise message, its own
// pass of the private-network cipher and its own socket write, 0.2-0.4 ms of CPU each. A peer
// receiving a 256 MiB shard stream sent over a thousand of them (about 0.4 s of CPU, a tenth of
// what a repair cost the peer reading the shards). Go's yamux, whose behaviour the spec
// describes, sends one only once at least half the receive window was consumed (or flags must
// go out); a js sender is as happy with that as a Go one, since the half left keeps it sending
// while the update travels. Applied once, to every yamux stream of the process.
import { YamuxStream, StreamState } from '@libp2p/yamux/stream'

interface WindowFields {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

let applied = false

export function sendWindowUpdatesAtHalfWindow (): void {
  if (applied) return
  applied = true
  const proto = YamuxStream.prototype
  const original = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: YamuxStream) {
    const s = this as unknown as WindowFields
    // an established stream sends no flags; any other state (opening, paused, closing) goes
    // through the library's own logic
    if (s.state === StreamState.Established && s.recvWindow - s.recvWindowCapacity < s.recvWindow / 2) return
    original.call(this)
  }
}
