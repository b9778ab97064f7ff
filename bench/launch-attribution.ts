// Which page showed which stock change, and when: each page's frames replayed through the one merge
// and every size's level read from the HTML (so it holds whatever the diff encoding), with pages
// that received the same frames sharing their states.

import { createTree, merge, toHTML, type ClientTree, type WireDiff } from "../src/switchboard/index.ts";

/** A size's level by item id, as the page shows it. */
export type Levels = ReadonlyMap<number, string>;

interface StateNode {
  readonly parent: number;
  /** The diff (or, at a root, the join's rendered tree) as received, JSON text. */
  readonly payload: string;
  readonly levels: Levels;
  /** Sizes whose level differs from the parent state's: [item, level, or null if no longer shown]. */
  readonly changes: readonly (readonly [item: number, level: string | null])[];
  readonly children: Map<string, number>;
}

const BUTTON = /<button\b[^>]*>/g;
const LEVEL = /\bsize-container__entry--level-([a-z]+)/;
const VALUE = /\svalue="(\d+)"/;

/** Every size button's level, by its item id (`value`). */
export function levelsIn(html: string): Map<number, string> {
  const levels = new Map<number, string>();
  for (const [button] of html.matchAll(BUTTON)) {
    const level = LEVEL.exec(button)?.[1];
    if (level === undefined) continue;
    const item = VALUE.exec(button)?.[1];
    if (item === undefined) throw new Error(`a size button without a value: ${button}`);
    levels.set(Number(item), level);
  }
  return levels;
}

/** The states pages went through: a tree of (state, diff) → state, each state's levels read once. */
export class StateGraph {
  readonly #nodes: StateNode[] = [];
  readonly #roots = new Map<string, number>();
  /** The one materialised client tree, at some state; replayed from its root when elsewhere. */
  #cache: { node: number; tree: ClientTree } | null = null;

  get size(): number {
    return this.#nodes.length;
  }

  levels(node: number): Levels {
    return this.#nodes[node]!.levels;
  }

  changes(node: number): StateNode["changes"] {
    return this.#nodes[node]!.changes;
  }

  /** The state after a join reply's rendered tree (JSON text). */
  root(rendered: string): number {
    const known = this.#roots.get(rendered);
    if (known !== undefined) return known;
    const tree = merge(createTree(), JSON.parse(rendered) as WireDiff);
    const id = this.#add(-1, rendered, levelsIn(toHTML(tree)), []);
    this.#roots.set(rendered, id);
    this.#cache = { node: id, tree };
    return id;
  }

  /** The state after applying `payload` (a diff, JSON text) to state `node`. */
  next(node: number, payload: string): number {
    const known = this.#nodes[node]!.children.get(payload);
    if (known !== undefined) return known;
    const tree = this.#tree(node);
    merge(tree, JSON.parse(payload) as WireDiff);
    const levels = levelsIn(toHTML(tree));
    const before = this.#nodes[node]!.levels;
    const changes: [number, string | null][] = [];
    for (const [item, level] of levels) if (before.get(item) !== level) changes.push([item, level]);
    for (const item of before.keys()) if (!levels.has(item)) changes.push([item, null]);
    const id = this.#add(node, payload, levels, changes);
    this.#nodes[node]!.children.set(payload, id);
    this.#cache = { node: id, tree };
    return id;
  }

  /** The HTML of state `node`, as the page holding it shows it. */
  html(node: number): string {
    return toHTML(this.#tree(node));
  }

  #add(parent: number, payload: string, levels: Levels, changes: StateNode["changes"]): number {
    this.#nodes.push({ parent, payload, levels, changes, children: new Map() });
    return this.#nodes.length - 1;
  }

  /** A client tree at `node` (the cached one when it is there, else replayed from the root). */
  #tree(node: number): ClientTree {
    if (this.#cache?.node === node) return this.#cache.tree;
    const path: string[] = [];
    for (let n = node; n !== -1; n = this.#nodes[n]!.parent) path.push(this.#nodes[n]!.payload);
    const tree = createTree();
    for (let i = path.length - 1; i >= 0; i--) merge(tree, JSON.parse(path[i]!) as WireDiff);
    this.#cache = { node, tree };
    return tree;
  }
}

/** A level change as the server's inventory announced it, on the driver's clock (ms). */
export interface ServerLevelEvent {
  readonly item: number;
  readonly level: string;
  readonly previous: string;
  /** When the inventory delivered it to the pages. */
  readonly at: number;
}

/** One frame a page received: when (driver's clock, ms), its diff's JSON text, its size in bytes. */
export interface PageFrame {
  readonly at: number;
  readonly payload: string;
  readonly bytes: number;
}

export interface PageOutcome {
  /** When sizes this page did not show before appeared (the release), or null. */
  readonly appeared: number | null;
  /** Server level events this page never showed. */
  readonly missed: number;
  readonly finalNode: number;
}

/** Counts of a value (e.g. frame sizes): value → frames. */
export type Histogram = Map<number, number>;

const count = (histogram: Histogram, value: number) => histogram.set(value, (histogram.get(value) ?? 0) + 1);

/**
 * Matches every page's level changes to the server's level events. A page that shows an item at
 * level L has received the first of that item's not-yet-shown events with level L, and any events
 * it skipped on the way (several changes in one frame: "coalesced"). A level the server never
 * announced, a size that disappears, or a wrong level at join or release is a problem, reported.
 */
export class Attribution {
  readonly #graph: StateGraph;
  readonly #events: readonly ServerLevelEvent[];
  /** Per item: indexes into #events, in order. */
  readonly #byItem = new Map<number, number[]>();
  /** The level each item shows once every event has been shown. */
  readonly #final: Levels;
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly delivered: Int32Array;
  readonly coalesced: Int32Array;
  readonly problems: string[] = [];
  /** Sizes of frames that change exactly one size's level; of frames that change several; of other frames. */
  readonly singleChangeBytes: Histogram = new Map();
  readonly multiChangeBytes: Histogram = new Map();
  readonly otherBytes: Histogram = new Map();
  /** Sizes of the frames that made sizes appear (the release). */
  readonly appearBytes: Histogram = new Map();
  frames = 0;

  constructor(graph: StateGraph, events: readonly ServerLevelEvent[], final: Levels) {
    this.#graph = graph;
    this.#events = events;
    this.#final = final;
    events.forEach((event, i) => {
      const list = this.#byItem.get(event.item) ?? [];
      if (list.length > 0 && events[list[list.length - 1]!]!.level !== event.previous) {
        this.#problem(`the server's events for size ${event.item} do not chain: ${events[list[list.length - 1]!]!.level} then ${event.previous} → ${event.level}`);
      }
      list.push(i);
      this.#byItem.set(event.item, list);
    });
    this.first = new Float64Array(events.length).fill(Infinity);
    this.last = new Float64Array(events.length).fill(-Infinity);
    this.delivered = new Int32Array(events.length);
    this.coalesced = new Int32Array(events.length);
  }

  /** The level an item shows before any of the events. */
  #initial(item: number): string | undefined {
    const list = this.#byItem.get(item);
    return list ? this.#events[list[0]!]!.previous : this.#final.get(item);
  }

  /** Replays one page: its join state, then its frames in order. */
  page(index: number, root: number, frames: Iterable<PageFrame>): PageOutcome {
    const graph = this.#graph;
    const cursor = new Map<number, number>();
    for (const [item, level] of graph.levels(root)) {
      cursor.set(item, 0);
      if (level !== this.#initial(item)) this.#problem(`page ${index} joined showing size ${item} ${level}; the server had it ${this.#initial(item)}`);
    }
    let node = root;
    let appeared: number | null = null;
    for (const frame of frames) {
      this.frames++;
      const next = graph.next(node, frame.payload);
      const before = graph.levels(node);
      let changed = 0;
      let appearing = false;
      for (const [item, level] of graph.changes(next)) {
        if (level === null) {
          this.#problem(`page ${index} no longer shows size ${item} after a frame of ${frame.bytes} B`);
        } else if (!before.has(item)) {
          appearing = true;
          appeared ??= frame.at;
          cursor.set(item, 0);
          if (level !== this.#initial(item)) this.#problem(`page ${index} shows the new size ${item} ${level}; the server had it ${this.#initial(item)}`);
        } else {
          changed++;
          this.#match(index, item, level, frame.at, cursor);
        }
      }
      node = next;
      count(appearing ? this.appearBytes : changed === 0 ? this.otherBytes : changed === 1 ? this.singleChangeBytes : this.multiChangeBytes, frame.bytes);
    }
    let missed = 0;
    for (const [item, list] of this.#byItem) missed += list.length - (cursor.get(item) ?? 0);
    return { appeared, missed, finalNode: node };
  }

  #match(index: number, item: number, level: string, at: number, cursor: Map<number, number>): void {
    const list = this.#byItem.get(item) ?? [];
    const from = cursor.get(item) ?? 0;
    let to = from;
    while (to < list.length && this.#events[list[to]!]!.level !== level) to++;
    if (to === list.length) {
      this.#problem(`page ${index} shows size ${item} ${level}, which the server never announced after what the page showed before`);
      return;
    }
    for (let k = from; k <= to; k++) {
      const e = list[k]!;
      if (at < this.first[e]!) this.first[e] = at;
      if (at > this.last[e]!) this.last[e] = at;
      this.delivered[e]!++;
      if (k < to) this.coalesced[e]!++;
    }
    cursor.set(item, to + 1);
  }

  #problem(message: string): void {
    if (this.problems.length < 20) this.problems.push(message);
    else if (this.problems.length === 20) this.problems.push("… (more problems not listed)");
  }
}

/** Minimum, median and maximum of a histogram, and how many values it holds. */
export function histogramSummary(histogram: Histogram): { count: number; min: number; median: number; max: number } | null {
  const sorted = [...histogram].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  let seen = 0;
  let median = sorted[0]![0];
  for (const [value, n] of sorted) {
    seen += n;
    if (seen * 2 >= total) {
      median = value;
      break;
    }
  }
  return { count: total, min: sorted[0]![0], median, max: sorted[sorted.length - 1]![0] };
}
