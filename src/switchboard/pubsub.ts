// PubSub: topics, subscribers, broadcast and broadcast-from, in process. Delivery is synchronous
// into each subscriber's own mailbox (a view or channel queues the message and handles it in its
// turn), so one broadcast costs one loop over the topic's subscribers. Cluster adapters extend
// this by forwarding messages from other nodes into deliverLocal().

export interface Message {
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
}

export interface Subscriber {
  deliver(message: Message): void;
}

export interface PubSubOptions {
  /** Called when a subscriber throws while being handed a message; delivery to others goes on. */
  onError?: (error: unknown, message: Message) => void;
}

export class PubSub {
  readonly #topics = new Map<string, Set<Subscriber>>();
  readonly #onError: (error: unknown, message: Message) => void;

  constructor(options: PubSubOptions = {}) {
    this.#onError = options.onError ?? ((error) => console.error("switchboard: a subscriber failed", error));
  }

  subscribe(topic: string, subscriber: Subscriber): void {
    checkTopic(topic);
    let set = this.#topics.get(topic);
    if (!set) this.#topics.set(topic, (set = new Set()));
    set.add(subscriber);
  }

  unsubscribe(topic: string, subscriber: Subscriber): void {
    const set = this.#topics.get(topic);
    if (!set) return;
    set.delete(subscriber);
    if (set.size === 0) this.#topics.delete(topic);
  }

  broadcast(topic: string, event: string, payload: unknown): void {
    this.deliverLocal({ topic, event, payload }, null);
  }

  /** Broadcasts to every subscriber of the topic except `from`. */
  broadcastFrom(from: Subscriber, topic: string, event: string, payload: unknown): void {
    this.deliverLocal({ topic, event, payload }, from);
  }

  /** Hands the message to this process's subscribers of its topic, except `except`. */
  deliverLocal(message: Message, except: Subscriber | null): void {
    const set = this.#topics.get(message.topic);
    if (!set) return;
    for (const subscriber of set) {
      if (subscriber === except) continue;
      try {
        subscriber.deliver(message);
      } catch (error) {
        this.#onError(error, message);
      }
    }
  }

  /** Subscribers of one topic, or of all topics together. */
  subscriberCount(topic?: string): number {
    if (topic !== undefined) return this.#topics.get(topic)?.size ?? 0;
    let count = 0;
    for (const set of this.#topics.values()) count += set.size;
    return count;
  }
}

function checkTopic(topic: string): void {
  if (typeof topic !== "string" || topic.length === 0) {
    throw new TypeError(`a PubSub topic must be a non-empty string; received ${JSON.stringify(topic)}`);
  }
}
