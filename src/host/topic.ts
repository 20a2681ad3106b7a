// One gossipsub topic as a channel: publish bytes, hear every message with its signer.
import type { ClusterHost } from './host.js'

export interface TopicMessage {
  from: string
  data: Uint8Array
}

export class TopicChannel {
  private readonly host: ClusterHost
  readonly topic: string

  constructor (host: ClusterHost, topic: string) {
    this.host = host
    this.topic = topic
  }

  async publish (data: Uint8Array): Promise<void> {
    await this.host.services.pubsub.publish(this.topic, data)
  }

  subscribe (handler: (msg: TopicMessage) => void): () => void {
    const pubsub = this.host.services.pubsub
    const listener = (evt: CustomEvent<any>): void => {
      const msg = evt.detail
      if (msg.topic !== this.topic || msg.type !== 'signed' || msg.from == null) return
      handler({ from: msg.from.toString(), data: msg.data })
    }
    pubsub.addEventListener('message', listener)
    pubsub.subscribe(this.topic)
    return () => {
      pubsub.removeEventListener('message', listener)
      pubsub.unsubscribe(this.topic)
    }
  }
}
