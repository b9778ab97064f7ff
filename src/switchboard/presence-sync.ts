// Presence across nodes: replicates one node's Presence to the other nodes over its cluster PubSub
// and merges theirs in. Local changes go out as one numbered delta per tick; a heartbeat every
// second says "alive, at seq n"; a newcomer, a gap in seq or a healed link asks for full state; a
// node silent for 5 s (or saying goodbye) has its entries dropped. Wire format: presence-wire.ts.

import { CLUSTER_RESUMED, CLUSTER_TOPIC } from "./cluster-adapter.ts";
import type { Logger } from "./endpoint.ts";
import { parseSyncMessage, PRESENCE_SYNC_TOPIC, type SyncEvent, type SyncMessage, type WireEntry, type WireLeave } from "./presence-wire.ts";
import type { Presence, PresenceEntry } from "./presence.ts";
import type { Message, PubSub, Subscriber } from "./pubsub.ts";
import { randomId } from "./token.ts";

export interface PresenceSyncOptions {
  log?: Logger;
  /** How often this node heartbeats and checks the others' (default 1 s). */
  heartbeatMs?: number;
  /** A node not heard from for this long is gone, and its entries dropped (default 5 s). */
  timeoutMs?: number;
  /** Most entries one message carries; larger deltas are split, larger messages heard refused (default 100,000). */
  maxEntries?: number;
}

export const presenceSyncDefaults = { heartbeatMs: 1_000, timeoutMs: 5_000, maxEntries: 100_000 } satisfies PresenceSyncOptions;

/** What this node knows of another. */
interface Peer {
  run: string;
  /** The last delta applied in order (null: no full state yet, so nothing to count from). */
  seq: number | null;
  /** performance.now() when last heard from (a monotonic clock: wall-clock jumps drop nobody). */
  heardAt: number;
  /** When its state was last asked for (asks are at most one per heartbeat). */
  askedAt: number;
}

/** This tick's local changes, keyed by topic and ref: a join undone in the same tick cancels out. */
interface Pending {
  readonly joins: Map<string, WireEntry>;
  readonly leaves: Map<string, WireLeave>;
}

const silent: Logger = { info() {}, warn() {}, error() {}, debug() {} };

export class PresenceSync {
  /** Names this start of the node; a node restarted under the same name is a new run. */
  readonly run = randomId(6);
  readonly #presence: Presence;
  readonly #pubsub: PubSub;
  readonly #log: Logger;
  readonly #options: Required<Omit<PresenceSyncOptions, "log">>;
  readonly #peers = new Map<string, Peer>();
  #seq = 0;
  #pending: Pending | null = null;
  /** Another node asked for this node's state; sent with the next flush. */
  #owed = false;
  #flushing: NodeJS.Immediate | null = null;
  #ticker: NodeJS.Timeout | null = null;
  #running = false;
  #tickedAt = 0;
  #linked = false;
  readonly #subscriber: Subscriber = { deliver: (message) => this.#receive(message) };
  readonly #cluster: Subscriber = { deliver: (message) => message.event === CLUSTER_RESUMED && this.#resumed() };
  readonly #listener = (change: { joins: readonly PresenceEntry[]; leaves: readonly PresenceEntry[] }) => this.#record(change);

  constructor(presence: Presence, pubsub: PubSub, options: PresenceSyncOptions = {}) {
    this.#presence = presence;
    this.#pubsub = pubsub;
    this.#log = options.log ?? silent;
    this.#options = {
      heartbeatMs: options.heartbeatMs ?? presenceSyncDefaults.heartbeatMs,
      timeoutMs: options.timeoutMs ?? presenceSyncDefaults.timeoutMs,
      maxEntries: options.maxEntries ?? presenceSyncDefaults.maxEntries,
    };
    const { heartbeatMs, timeoutMs, maxEntries } = this.#options;
    if (!(heartbeatMs > 0) || !(timeoutMs >= 2 * heartbeatMs) || !Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`PresenceSync needs heartbeatMs > 0, timeoutMs of at least two heartbeats and maxEntries a positive integer; received heartbeatMs ${heartbeatMs}, timeoutMs ${timeoutMs}, maxEntries ${maxEntries}`);
    }
  }

  get node(): string {
    return this.#presence.node;
  }

  /** The other nodes heard from lately, by name. */
  peers(): string[] {
    return [...this.#peers.keys()];
  }

  /** Starts replicating: says hello (this node's state, and a request for everyone's) and heartbeats. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#pubsub.subscribe(PRESENCE_SYNC_TOPIC, this.#subscriber);
    this.#pubsub.subscribe(CLUSTER_TOPIC, this.#cluster);
    this.#presence.listeners.add(this.#listener);
    this.#ticker = setInterval(() => this.#tick(), this.#options.heartbeatMs);
    this.#ticker.unref();
    this.#tickedAt = performance.now();
    this.#linked = this.#pubsub.linked;
    this.#hello();
  }

  /** Stops replicating: says goodbye, so the others drop this node's entries at once, and forgets theirs. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    if (this.#ticker) clearInterval(this.#ticker);
    if (this.#flushing) clearImmediate(this.#flushing);
    this.#ticker = this.#flushing = this.#pending = null;
    this.#presence.listeners.delete(this.#listener);
    this.#send("goodbye", {});
    this.#pubsub.unsubscribe(PRESENCE_SYNC_TOPIC, this.#subscriber);
    this.#pubsub.unsubscribe(CLUSTER_TOPIC, this.#cluster);
    for (const node of this.#peers.keys()) this.#presence.dropNode(node);
    this.#peers.clear();
  }

  /** Every heartbeat: says hello once the link is up, heartbeats, and drops the nodes gone silent. */
  #tick(): void {
    if (!this.#running) return;
    const now = performance.now();
    const linked = this.#pubsub.linked;
    if (linked && !this.#linked) this.#hello();
    this.#linked = linked;
    this.#send("heartbeat", { seq: this.#seq });
    // After a stall of this process (a long GC, a blocking task) the timer runs before the
    // messages queued meanwhile are read: the others get one more interval to be heard.
    const stalled = now - this.#tickedAt > 2 * this.#options.heartbeatMs;
    this.#tickedAt = now;
    if (stalled) return;
    for (const [node, peer] of this.#peers) {
      if (now - peer.heardAt <= this.#options.timeoutMs) continue;
      this.#peers.delete(node);
      const entries = this.#presence.size();
      this.#presence.dropNode(node);
      this.#log.warn({ code: "SB_ERR_PRESENCE_NODE_DOWN", node, silentMs: now - peer.heardAt, dropped: entries - this.#presence.size() }, "a node stopped heartbeating; its presences are removed");
    }
  }

  /** This node's state, and a request for every other node's (at start and after a link outage). */
  #hello(): void {
    this.#send("sync", { target: null });
    this.#owe();
  }

  /** The link is back after an outage: messages may have been lost both ways, so start over. */
  #resumed(): void {
    this.#linked = true;
    this.#hello();
  }

  #record({ joins, leaves }: { joins: readonly PresenceEntry[]; leaves: readonly PresenceEntry[] }): void {
    const pending = (this.#pending ??= { joins: new Map(), leaves: new Map() });
    for (const { topic, ref } of leaves) {
      const id = `${topic}\0${ref}`;
      if (!pending.joins.delete(id)) pending.leaves.set(id, { topic, ref });
    }
    for (const { topic, key, ref, meta } of joins) pending.joins.set(`${topic}\0${ref}`, { topic, key, ref, meta });
    this.#schedule();
  }

  #owe(): void {
    this.#owed = true;
    this.#schedule();
  }

  /** Everything of one tick goes out together, after the tick. */
  #schedule(): void {
    if (this.#flushing || !this.#running) return;
    this.#flushing = setImmediate(() => this.#flush());
    this.#flushing.unref();
  }

  #flush(): void {
    this.#flushing = null;
    const pending = this.#pending;
    this.#pending = null;
    if (pending) this.#sendDelta([...pending.joins.values()], [...pending.leaves.values()]);
    if (this.#owed) {
      this.#owed = false;
      const entries = this.#presence.localEntries().map(({ topic, key, ref, meta }) => ({ topic, key, ref, meta }));
      this.#send("state", { seq: this.#seq, entries });
    }
  }

  /** One delta, or several in order when it carries more than a message may. */
  #sendDelta(joins: WireEntry[], leaves: WireLeave[]): void {
    const max = this.#options.maxEntries;
    for (let j = 0, l = 0; j < joins.length || l < leaves.length; ) {
      const someJoins = joins.slice(j, (j = Math.min(joins.length, j + max)));
      const someLeaves = leaves.slice(l, (l = Math.min(leaves.length, l + max - someJoins.length)));
      this.#send("delta", { seq: ++this.#seq, joins: someJoins, leaves: someLeaves });
    }
  }

  #send(event: SyncEvent, payload: Record<string, unknown>): void {
    this.#pubsub.broadcastFrom(this.#subscriber, PRESENCE_SYNC_TOPIC, event, { node: this.node, run: this.run, ...payload });
  }

  /** A message from another node; anything malformed is dropped and logged, never applied. */
  #receive({ event, payload }: Message): void {
    if (!this.#running) return;
    const parsed = parseSyncMessage(event, payload, this.#options.maxEntries);
    if ("error" in parsed) {
      const node = (payload as { node?: unknown } | null)?.node;
      this.#log.warn({ code: "SB_ERR_PRESENCE_MESSAGE", event, node: typeof node === "string" ? node.slice(0, 100) : undefined, why: parsed.error }, "dropped a malformed presence message from the cluster");
      return;
    }
    const message = parsed.message;
    if (message.node === this.node) return;
    if (message.type === "goodbye") return this.#goodbye(message);
    const peer = this.#peer(message);
    if (message.type === "delta") this.#delta(peer, message);
    else if (message.type === "state") this.#state(peer, message);
    else if (message.type === "heartbeat") {
      if (peer.seq === null || message.seq > peer.seq) this.#ask(message.node, peer);
    } else if (message.target === null || message.target === this.node) this.#owe();
  }

  /** The peer that sent `message`, heard just now; a new one (or a new run) starts with no state. */
  #peer({ node, run }: SyncMessage): Peer {
    const now = performance.now();
    let peer = this.#peers.get(node);
    if (!peer || peer.run !== run) this.#peers.set(node, (peer = { run, seq: null, heardAt: now, askedAt: -Infinity }));
    peer.heardAt = now;
    return peer;
  }

  /** Applies a delta; one out of order (a gap, or no state to count from yet) also asks for the state. */
  #delta(peer: Peer, { node, seq, joins, leaves }: Extract<SyncMessage, { type: "delta" }>): void {
    if (peer.seq !== null && seq <= peer.seq) return;
    this.#presence.merge(
      joins.map((join) => ({ ...join, node })),
      leaves.map((leave) => ({ ...leave, node })),
    );
    if (peer.seq !== null && seq === peer.seq + 1) peer.seq = seq;
    else this.#ask(node, peer);
  }

  #state(peer: Peer, { node, seq, entries }: Extract<SyncMessage, { type: "state" }>): void {
    if (peer.seq !== null && seq < peer.seq) return;
    this.#presence.replaceNode(node, entries);
    peer.seq = seq;
  }

  #goodbye({ node, run }: SyncMessage): void {
    const peer = this.#peers.get(node);
    if (peer && peer.run !== run) return;
    this.#peers.delete(node);
    this.#presence.dropNode(node);
    this.#log.info({ node }, "a node left the cluster; its presences are removed");
  }

  /** Asks `node` for its full state, at most once per heartbeat interval. */
  #ask(node: string, peer: Peer): void {
    const now = performance.now();
    if (now - peer.askedAt < this.#options.heartbeatMs) return;
    peer.askedAt = now;
    this.#send("sync", { target: node });
  }
}
