// Presence: who is here, per topic. A process (a live view or a channel) tracks itself under a
// topic and a key with some metadata; everyone can list a topic grouped by key, and subscribers
// of the topic receive join/leave diffs ("presence_diff"). An entry ends with its process, so a
// closed tab disappears at once. Entries are stored per node, so that presence-sync.ts can merge
// other nodes' entries in (and drop a node's entries when it stops heartbeating).

import type { PubSub } from "./pubsub.ts";
import { randomId } from "./token.ts";

export type Meta = Record<string, unknown>;
/** One tracked presence as listed: the metadata plus its unique ref. */
export type ListedMeta = Meta & { phx_ref: string };
export type PresenceList = Record<string, { metas: ListedMeta[] }>;
export interface PresenceDiff {
  joins: PresenceList;
  leaves: PresenceList;
}

export const PRESENCE_DIFF = "presence_diff";

/** An entry as nodes exchange it: everything but the process that owns it. */
export type PresenceEntry = Omit<Entry, "owner">;

interface Entry {
  readonly node: string;
  readonly topic: string;
  readonly key: string;
  readonly ref: string;
  readonly owner: object;
  meta: Meta;
}

export class Presence {
  readonly node: string;
  readonly #pubsub: PubSub;
  /** topic → ref → entry (every node's entries). */
  readonly #topics = new Map<string, Map<string, Entry>>();
  /** owner → its entries on this node (an array copied on change: an owner has one or two, ~0.1 KB less than a Set). */
  readonly #owned = new Map<object, readonly Entry[]>();
  /** Told of every change made on this node (cluster adapters replicate them). */
  readonly listeners = new Set<(change: { joins: Entry[]; leaves: Entry[] }) => void>();

  constructor(pubsub: PubSub, node = randomId(6)) {
    this.#pubsub = pubsub;
    this.node = node;
  }

  /** Tracks `owner` under `topic` and `key`; returns the entry's ref. */
  track(owner: object, topic: string, key: string, meta: Meta = {}): string {
    if (typeof topic !== "string" || topic === "" || typeof key !== "string" || key === "") {
      throw new TypeError(`presence topic and key must be non-empty strings; received ${JSON.stringify(topic)}, ${JSON.stringify(key)}`);
    }
    const entry: Entry = { node: this.node, topic, key, ref: randomId(9), owner, meta };
    this.#add(entry);
    // concat sizes the array exactly (a spread or a push would leave room for 16 more).
    this.#setOwned(owner, (this.#owned.get(owner) ?? []).concat([entry]));
    this.#announce([entry], []);
    return entry.ref;
  }

  /** Replaces the metadata of `owner`'s entries under topic/key (a leave and a join, as in Phoenix). */
  update(owner: object, topic: string, key: string, meta: Meta): void {
    for (const old of this.#ownedBy(owner, topic, key)) {
      this.#remove(old);
      const entry: Entry = { ...old, ref: randomId(9), meta };
      this.#add(entry);
      this.#setOwned(owner, this.#owned.get(owner)!.map((e) => (e === old ? entry : e)));
      this.#announce([entry], [old]);
    }
  }

  untrack(owner: object, topic: string, key: string): void {
    const entries = this.#ownedBy(owner, topic, key);
    if (entries.length === 0) return;
    for (const entry of entries) this.#remove(entry);
    this.#setOwned(owner, this.#owned.get(owner)!.filter((e) => !entries.includes(e)));
    this.#announce([], entries);
  }

  /** Ends every entry of `owner` (its process ended). */
  untrackAll(owner: object): void {
    const entries = this.#owned.get(owner);
    if (!entries) return;
    this.#owned.delete(owner);
    for (const entry of entries) this.#remove(entry);
    this.#announce([], [...entries]);
  }

  list(topic: string): PresenceList {
    const out: PresenceList = {};
    for (const entry of this.#topics.get(topic)?.values() ?? []) group(out, entry.key).metas.push({ ...entry.meta, phx_ref: entry.ref });
    return out;
  }

  /**
   * Entries of other nodes, merged in by a cluster adapter; each change is announced locally. A
   * leave that names its node removes only that node's entry.
   */
  merge(joins: readonly PresenceEntry[], leaves: readonly (Pick<Entry, "topic" | "ref"> & { node?: string })[]): void {
    const left: Entry[] = [];
    for (const { topic, ref, node } of leaves) {
      const entry = this.#topics.get(topic)?.get(ref);
      if (entry && entry.node !== this.node && (node === undefined || entry.node === node)) {
        this.#remove(entry);
        left.push(entry);
      }
    }
    const joined: Entry[] = [];
    for (const join of joins) {
      if (join.node === this.node || this.#topics.get(join.topic)?.has(join.ref)) continue;
      const entry = { ...join, owner: this };
      this.#add(entry);
      joined.push(entry);
    }
    this.#deliver(joined, left);
  }

  /**
   * Makes `entries` (another node's full state) the entries held for `node`: leaves for the refs
   * it no longer has, joins for new ones; entries held already stay as they are.
   */
  replaceNode(node: string, entries: readonly Omit<PresenceEntry, "node">[]): void {
    if (node === this.node) return;
    const held = new Map<string, Entry>();
    for (const entry of this.#entriesOf(node)) held.set(`${entry.topic}\0${entry.ref}`, entry);
    const joined: Entry[] = [];
    for (const { topic, key, ref, meta } of entries) {
      if (held.delete(`${topic}\0${ref}`) || this.#topics.get(topic)?.has(ref)) continue;
      const entry: Entry = { node, topic, key, ref, meta, owner: this };
      this.#add(entry);
      joined.push(entry);
    }
    const left = [...held.values()];
    for (const entry of left) this.#remove(entry);
    this.#deliver(joined, left);
  }

  /** Drops every entry of a node that is gone. */
  dropNode(node: string): void {
    if (node === this.node) return;
    const left = this.#entriesOf(node);
    for (const entry of left) this.#remove(entry);
    this.#deliver([], left);
  }

  /** This node's own entries (for a cluster adapter's full-state announcement). */
  localEntries(): PresenceEntry[] {
    const out: PresenceEntry[] = [];
    for (const owned of this.#owned.values()) for (const { owner: _owner, ...entry } of owned) out.push(entry);
    return out;
  }

  /** Entries tracked on every node together (for tests and metrics). */
  size(topic?: string): number {
    if (topic !== undefined) return this.#topics.get(topic)?.size ?? 0;
    let n = 0;
    for (const entries of this.#topics.values()) n += entries.size;
    return n;
  }

  #entriesOf(node: string): Entry[] {
    const out: Entry[] = [];
    for (const entries of this.#topics.values()) for (const entry of entries.values()) if (entry.node === node) out.push(entry);
    return out;
  }

  #ownedBy(owner: object, topic: string, key: string): Entry[] {
    return (this.#owned.get(owner) ?? []).filter((e) => e.topic === topic && e.key === key);
  }

  #setOwned(owner: object, entries: readonly Entry[]): void {
    if (entries.length > 0) this.#owned.set(owner, entries);
    else this.#owned.delete(owner);
  }

  #add(entry: Entry): void {
    let entries = this.#topics.get(entry.topic);
    if (!entries) this.#topics.set(entry.topic, (entries = new Map()));
    entries.set(entry.ref, entry);
  }

  #remove(entry: Entry): void {
    const entries = this.#topics.get(entry.topic);
    entries?.delete(entry.ref);
    if (entries?.size === 0) this.#topics.delete(entry.topic);
  }

  /** A change made on this node: replicated by listeners, delivered to this node's subscribers. */
  #announce(joins: Entry[], leaves: Entry[]): void {
    for (const listener of this.listeners) listener({ joins, leaves });
    this.#deliver(joins, leaves);
  }

  /** Delivers one presence_diff per topic to this node's subscribers of that topic. */
  #deliver(joins: Entry[], leaves: Entry[]): void {
    const byTopic = new Map<string, PresenceDiff>();
    const add = (entry: Entry, side: keyof PresenceDiff) => {
      let diff = byTopic.get(entry.topic);
      if (!diff) byTopic.set(entry.topic, (diff = { joins: {}, leaves: {} }));
      group(diff[side], entry.key).metas.push({ ...entry.meta, phx_ref: entry.ref });
    };
    for (const entry of joins) add(entry, "joins");
    for (const entry of leaves) add(entry, "leaves");
    for (const [topic, diff] of byTopic) this.#pubsub.deliverLocal({ topic, event: PRESENCE_DIFF, payload: diff }, null);
  }
}

/** The group of `key` in a listing, created if missing (a key such as "__proto__" is an own key too). */
function group(list: PresenceList, key: string): { metas: ListedMeta[] } {
  if (!Object.hasOwn(list, key)) Object.defineProperty(list, key, { value: { metas: [] }, enumerable: true, writable: true, configurable: true });
  return list[key]!;
}
