// PubSub: topics, subscribers, broadcast and broadcast-from. Delivery is synchronous into each
// subscriber's own mailbox (a view or channel queues the message and handles it in its turn), so
// one broadcast costs one loop over the topic's subscribers. With a cluster adapter a broadcast is
// also serialised once and sent to the other nodes, which deliver it to their own subscribers;
// this node's subscribers never wait for that round trip, and never hear a message twice.

import { CLUSTER_INTERRUPTED, CLUSTER_RESUMED, CLUSTER_TOPIC, type AdapterHost, type ClusterAdapter } from "./cluster-adapter.ts";
import type { Logger } from "./endpoint.ts";
import { randomId } from "./token.ts";

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
  /** Links this node's PubSub with the other nodes' (start() connects it); in-process without one. */
  adapter?: ClusterAdapter;
  /** This node's name in the cluster (default: random). */
  node?: string;
  log?: Logger;
}

const consoleLog: Logger = {
  info: () => {},
  debug: () => {},
  warn: (obj, msg) => console.warn(msg ?? "", obj),
  error: (obj, msg) => console.error(msg ?? "", obj),
};

export class PubSub {
  readonly node: string;
  readonly adapter: ClusterAdapter | null;
  readonly #topics = new Map<string, Set<Subscriber>>();
  readonly #onError: (error: unknown, message: Message) => void;
  readonly #log: Logger;
  #linked = false;
  #started: Promise<void> | null = null;

  constructor(options: PubSubOptions = {}) {
    this.#onError = options.onError ?? ((error) => console.error("switchboard: a subscriber failed", error));
    this.adapter = options.adapter ?? null;
    this.node = options.node ?? randomId(6);
    this.#log = options.log ?? consoleLog;
  }

  /** Connects the cluster adapter (nothing to do in process); resolves once other nodes are heard. */
  start(): Promise<void> {
    return (this.#started ??= this.#start());
  }

  /** Whether broadcasts reach the other nodes right now (always false in process). */
  get linked(): boolean {
    return this.#linked;
  }

  /** Sends what is still queued to the other nodes, then disconnects. */
  async stop(): Promise<void> {
    if (!this.adapter || !this.#started) return;
    await this.#started.catch(() => {});
    await this.adapter.flush().catch(() => {});
    this.#linked = false;
    await this.adapter.stop();
  }

  /** Resolves once every broadcast so far has been handed to the cluster's engine. */
  flush(): Promise<void> {
    return this.adapter?.flush() ?? Promise.resolve();
  }

  subscribe(topic: string, subscriber: Subscriber): void {
    checkTopic(topic);
    let set = this.#topics.get(topic);
    if (!set) {
      this.#topics.set(topic, (set = new Set()));
      if (this.#started && topic !== CLUSTER_TOPIC) this.adapter?.listen(topic);
    }
    set.add(subscriber);
  }

  unsubscribe(topic: string, subscriber: Subscriber): void {
    const set = this.#topics.get(topic);
    if (!set) return;
    set.delete(subscriber);
    if (set.size === 0) {
      this.#topics.delete(topic);
      if (this.#started && topic !== CLUSTER_TOPIC) this.adapter?.unlisten(topic);
    }
  }

  /** Delivers to every subscriber of the topic, on this node and (with an adapter) every other. */
  broadcast(topic: string, event: string, payload: unknown): void {
    this.deliverLocal({ topic, event, payload }, null);
    this.#publish(topic, event, payload);
  }

  /** Broadcasts to every subscriber of the topic except `from` (a subscriber of this node). */
  broadcastFrom(from: Subscriber, topic: string, event: string, payload: unknown): void {
    this.deliverLocal({ topic, event, payload }, from);
    this.#publish(topic, event, payload);
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

  async #start(): Promise<void> {
    if (!this.adapter) return;
    await this.adapter.start(this.#host());
    for (const topic of this.#topics.keys()) if (topic !== CLUSTER_TOPIC) this.adapter.listen(topic);
    this.#linked = true;
    // Subscribed on the engine (Redis confirms each SUBSCRIBE) before start() resolves.
    await this.adapter.flush();
  }

  #publish(topic: string, event: string, payload: unknown): void {
    // CLUSTER_TOPIC is about this node's own link: it never travels.
    if (!this.adapter || !this.#started || topic === CLUSTER_TOPIC) return;
    let data: string;
    try {
      data = JSON.stringify([this.node, topic, event, payload]);
    } catch (error) {
      // A payload that cannot travel (a cycle, a BigInt) reached this node's subscribers only.
      this.#log.error({ err: error, code: "SB_ERR_PUBSUB_PAYLOAD", topic, event }, "a broadcast could not be sent to the other nodes");
      return;
    }
    this.adapter.publish(topic, data);
  }

  #host(): AdapterHost {
    return {
      node: this.node,
      log: this.#log,
      receive: (data) => this.#receive(data),
      interrupted: (error) => {
        if (!this.#linked) return;
        this.#linked = false;
        this.#log.warn({ err: error, code: "SB_ERR_PUBSUB_LINK", adapter: this.adapter!.name }, "lost the link to the other nodes; serving this node's subscribers meanwhile");
        this.deliverLocal({ topic: CLUSTER_TOPIC, event: CLUSTER_INTERRUPTED, payload: null }, null);
      },
      resumed: () => {
        if (this.#linked) return;
        this.#linked = true;
        this.#log.info({ adapter: this.adapter!.name }, "the link to the other nodes is back");
        this.deliverLocal({ topic: CLUSTER_TOPIC, event: CLUSTER_RESUMED, payload: null }, null);
      },
    };
  }

  /** An envelope from the engine: another node's broadcast, delivered here; this node's own dropped. */
  #receive(data: string): void {
    let envelope: unknown;
    try {
      envelope = JSON.parse(data);
    } catch {
      envelope = null;
    }
    if (!Array.isArray(envelope) || envelope.length !== 4 || typeof envelope[0] !== "string" || typeof envelope[1] !== "string" || envelope[1] === "" || typeof envelope[2] !== "string") {
      this.#log.warn({ code: "SB_ERR_PUBSUB_ENVELOPE", adapter: this.adapter?.name, sample: data.slice(0, 120) }, "dropped a message from the cluster that is not a broadcast envelope");
      return;
    }
    const [node, topic, event, payload] = envelope as [string, string, string, unknown];
    if (node === this.node) return;
    this.deliverLocal({ topic, event, payload }, null);
  }
}

function checkTopic(topic: string): void {
  if (typeof topic !== "string" || topic.length === 0) {
    throw new TypeError(`a PubSub topic must be a non-empty string; received ${JSON.stringify(topic)}`);
  }
}
