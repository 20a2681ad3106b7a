// Window updates as Go's yamux sends them. js-libp2p's yamux (8.x) answers every data frame it
// receives with a window update: a 12-byte frame that becomes its own noise message, its own
// pass of the private-network cipher and its own socket write, 0.2-0.4 ms of CPU each. A peer
// receiving a 256 MiB shard stream sent over a thousand of them (about 0.4 s of CPU, a tenth of
// what a repair cost the peer reading the shards). Go's yamux, whose behaviour the spec
// describes, sends one only once at least half the receive window was consumed (or flags must
// go out); a js sender is as happy with that as a Go one, since the half left keeps it sending
// while the update travels.
// The window itself starts at the spec's 256 KiB and the library doubles it only when a frame
// comes within 4 round trips of the last update, with round trips measured in whole
// milliseconds: 0 between peers on one LAN or host, so it never grew. A 256 KiB window is one
// block: the sender stopped after each block until the receiver's event loop got to the update.
// An established stream's receive window is the configured maximum (maxStreamWindowSize) at
// once, as the receiver may announce at any time; it bounds what one stream can have in flight,
// which the read buffer (maxReadBufferLength) already allows for.
// Applied once, to every yamux stream of the process.
import { YamuxStream, StreamState } from '@libp2p/yamux/stream'

interface WindowFields {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
  maxStreamWindowSize: number
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
    if (s.state === StreamState.Established) {
      s.recvWindow = Math.max(s.recvWindow, s.maxStreamWindowSize)
      if (s.recvWindow - s.recvWindowCapacity < s.recvWindow / 2) return
    }
    original.call(this)
  }
}
