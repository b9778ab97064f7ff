// The diff: from the rendered tree a client has to the one it should have, the smallest wire diff
// (format in protocol.ts). The only per-connection state is the DiffContext, which remembers which
// statics the client already holds. Identical nodes (memoised, shared) are skipped by identity,
// and what is computed between two shared nodes is computed once for every session: the change
// from one version of a shared subtree to the next, and a shared node in full, are kept on the
// node (weakly) with the statics they use, so a fan-out to N sessions diffs once.
//
// Keyed memo nodes (sid ≠ 0) travel as shared components: a slot holding one carries its id, and
// its content goes under the root's `c`, diffed against the version the client holds by id.

import { COMPONENTS, KEYED, KEYED_COUNT, REMOVED_COMPONENTS, STATICS, TEMPLATES, type WireDiff, type WireDyn, type WireEntry, type WireList, type WireNode } from "./protocol.ts";
import { Rendered, RList, sharedBelow, type Dyn } from "./rendered.ts";
import { TEXT_ENTRY, type Statics } from "./template.ts";

/** What hands out statics ids while diffing: a connection's DiffContext, or a recorder. */
interface StaticsSink {
  statics(statics: Statics): number;
}

/** Per connection: the statics ids the client holds. Start a new one on every join. */
export class DiffContext implements StaticsSink {
  #sent: SentStatics = SentStatics.none;
  pending: Record<number, string[]> | null = null;

  statics(statics: Statics): number {
    const { id } = statics;
    if (!this.#sent.has(id)) {
      this.#sent = this.#sent.with(id);
      (this.pending ??= {})[id] = statics.parts as string[];
    }
    return id;
  }

  /** Takes the statics table collected while diffing. */
  take(): Record<number, string[]> | null {
    const pending = this.pending;
    this.pending = null;
    return pending;
  }
}

/**
 * A set of statics ids, immutable and interned by the order ids were added: sessions of one page
 * receive their statics in the same order, so thousands of them share one set instead of holding
 * a Set each. Adding an id returns the (cached) next set.
 */
class SentStatics {
  static readonly none = new SentStatics(new Set());
  readonly #ids: ReadonlySet<number>;
  #next: Map<number, SentStatics> | null = null;

  private constructor(ids: ReadonlySet<number>) {
    this.#ids = ids;
  }

  has(id: number): boolean {
    return this.#ids.has(id);
  }

  with(id: number): SentStatics {
    let next = this.#next?.get(id);
    if (next === undefined) {
      next = new SentStatics(new Set(this.#ids).add(id));
      // A page that keeps finding new templates keeps its own chain; the cache stays small.
      if ((this.#next ??= new Map()).size < 64) this.#next.set(id, next);
    }
    return next;
  }
}

/** Records the statics a shared computation uses, to replay them into each connection's context. */
class Recorder implements StaticsSink {
  readonly used = new Set<Statics>();

  statics(statics: Statics): number {
    this.used.add(statics);
    return statics.id;
  }
}

interface Computed<T> {
  readonly out: T;
  readonly statics: readonly Statics[];
}

/** The diff from a shared node to its successor, on the predecessor (the next one it was diffed to). */
const transitions = new WeakMap<Rendered, Computed<WireNode | null> & { readonly next: Rendered }>();
/** A shared node in full. */
const fulls = new WeakMap<Rendered, Computed<WireNode>>();

function replay(statics: readonly Statics[], ctx: StaticsSink): void {
  for (let i = 0; i < statics.length; i++) ctx.statics(statics[i]!);
}

/** Counts results handed out from the caches above: such objects are shared, never to be mutated. */
let cachedHandedOut = 0;

/**
 * The diff that turns `prev` into `next` on a client that has merged everything sent through
 * `ctx` so far, or null when nothing changed. With `prev` null it is the full first render.
 * Shared components below the nodes are placed by id only: sharedChanges() sends their content.
 * The caller owns the result (merge() may keep and change it).
 */
export function diff(prev: Rendered | null, next: Rendered, ctx: DiffContext, withTemplates = true): WireDiff | null {
  const before = cachedHandedOut;
  const out = diffShared(prev, next, ctx, withTemplates);
  return out !== null && cachedHandedOut !== before ? (JSON.parse(JSON.stringify(out)) as WireDiff) : out;
}

/**
 * diff() whose result may hold parts shared with other sessions' diffs: for callers that only
 * serialise it (a live view's frames), never mutate it.
 */
export function diffShared(prev: Rendered | null, next: Rendered, ctx: DiffContext, withTemplates = true): WireDiff | null {
  let out: WireNode | null;
  if (prev === next) out = null;
  else if (prev === null || prev.statics !== next.statics) out = full(next, ctx);
  else out = diffNode(prev, next, ctx);
  // A caller that adds more to the diff (a view's components) takes the statics table itself.
  const templates = withTemplates ? ctx.take() : null;
  if (templates) out = { ...out, [TEMPLATES as never]: templates as never };
  return out as WireDiff | null;
}

/** A node in full, with its statics reference (shared components below it by id). */
export function full(node: Rendered, ctx: StaticsSink): WireNode {
  if (!node.shared) return fullSlots(node, ctx);
  let done = fulls.get(node);
  if (done === undefined) {
    const recorder = new Recorder();
    done = { out: fullSlots(node, recorder), statics: [...recorder.used] };
    fulls.set(node, done);
  }
  replay(done.statics, ctx);
  cachedHandedOut++;
  return done.out;
}

function fullSlots(node: Rendered, ctx: StaticsSink): WireNode {
  const out: WireNode = { [STATICS]: ctx.statics(node.statics) };
  const d = node.d;
  for (let i = 0; i < d.length; i++) out[i] = fullDyn(d[i]!, ctx);
  return out;
}

function fullDyn(value: Dyn, ctx: StaticsSink): WireDyn {
  if (typeof value === "string" || typeof value === "number") return value;
  if (value instanceof Rendered) return value.sid !== 0 ? value.sid : full(value, ctx);
  const k: WireList["k"] = { [KEYED_COUNT]: value.items.length };
  value.items.forEach((item, i) => (k[i] = fullEntry(item, ctx)));
  return { [KEYED]: k };
}

/** A list entry in full: a shared component's entry is a text entry holding its id. */
function fullEntry(item: Rendered, ctx: StaticsSink): WireNode {
  return item.sid !== 0 ? { [STATICS]: ctx.statics(TEXT_ENTRY.statics), 0: item.sid } : full(item, ctx);
}

export function diffNode(prev: Rendered, next: Rendered, ctx: StaticsSink): WireNode | null {
  if (!(prev.shared && next.shared)) return diffSlots(prev, next, ctx);
  let done = transitions.get(prev);
  if (done === undefined || done.next !== next) {
    const recorder = new Recorder();
    done = { next, out: diffSlots(prev, next, recorder), statics: [...recorder.used] };
    transitions.set(prev, done);
  }
  replay(done.statics, ctx);
  if (done.out !== null) cachedHandedOut++;
  return done.out;
}

function diffSlots(prev: Rendered, next: Rendered, ctx: StaticsSink): WireNode | null {
  let out: WireNode | null = null;
  const a = prev.d;
  const b = next.d;
  for (let i = 0; i < b.length; i++) {
    const change = diffDyn(a[i]!, b[i]!, ctx);
    if (change !== undefined) (out ??= {})[i] = change;
  }
  return out;
}

function diffDyn(prev: Dyn, next: Dyn, ctx: StaticsSink): WireDyn | undefined {
  if (prev === next) return undefined;
  if (typeof next === "string" || typeof next === "number") return next;
  if (next instanceof Rendered) {
    // A shared component: its content travels by id; the slot changes only if the id does.
    if (next.sid !== 0) return prev instanceof Rendered && prev.sid === next.sid ? undefined : next.sid;
    if (prev instanceof Rendered && prev.sid === 0 && prev.statics === next.statics) return diffNode(prev, next, ctx) ?? undefined;
    return full(next, ctx);
  }
  return prev instanceof RList ? diffList(prev, next, ctx) : fullDyn(next, ctx);
}

const keyAt = (list: RList, i: number): unknown => (list.keys ? list.keys[i] : i);

function diffList(prev: RList, next: RList, ctx: StaticsSink): WireList | undefined {
  const before = prev.items;
  const after = next.items;
  let k: WireList["k"] | null = null;
  let oldIndex: Map<unknown, number> | null = null;
  for (let i = 0; i < after.length; i++) {
    const key = keyAt(next, i);
    let j: number | undefined = i < before.length && keyAt(prev, i) === key ? i : undefined;
    if (j === undefined) {
      oldIndex ??= indexKeys(prev);
      j = oldIndex.get(key);
    }
    const entry = j === undefined ? fullEntry(after[i]!, ctx) : diffEntry(before[j]!, after[i]!, i, j, ctx);
    if (entry !== undefined) (k ??= { [KEYED_COUNT]: after.length })[i] = entry;
  }
  if (!k && before.length === after.length) return undefined;
  return { [KEYED]: k ?? { [KEYED_COUNT]: after.length } };
}

function diffEntry(prev: Rendered, next: Rendered, i: number, j: number, ctx: StaticsSink): WireEntry | undefined {
  if (prev.sid !== 0 || next.sid !== 0) {
    // A shared component's entry holds only its id: unchanged (perhaps moved) while the id is.
    if (prev.sid !== next.sid) return fullEntry(next, ctx);
    return j === i ? undefined : j;
  }
  if (prev !== next && prev.statics !== next.statics) return full(next, ctx);
  const change = prev === next ? null : diffNode(prev, next, ctx);
  if (j === i) return change ?? undefined;
  return change ? [j, change] : j;
}

function indexKeys(list: RList): Map<unknown, number> {
  const map = new Map<unknown, number>();
  for (let i = 0; i < list.items.length; i++) map.set(keyAt(list, i), i);
  return map;
}

// ---- Shared components ------------------------------------------------------------------------

type SharedMap = ReadonlyMap<number, Rendered>;

/** What changed among a tree's shared components: their diffs by id, and ids no longer shown. */
export interface SharedChanges {
  readonly c: Record<number, WireNode> | null;
  readonly cr: number[] | null;
  readonly statics: readonly Statics[];
  /** `{"c":…,"cr":…}` as JSON, made once for every session that sends these changes. */
  json: string | undefined;
}

const changesFrom = new WeakMap<SharedMap, { readonly next: SharedMap; readonly changes: SharedChanges | null }>();
const changesFromNothing = new WeakMap<SharedMap, SharedChanges | null>();

/**
 * The changes from the shared components a client holds (`prev`, by id) to those a tree shows
 * (`next`); null when none. Computed once per pair of maps: sessions of one page share the maps.
 */
export function sharedChanges(prev: SharedMap | null, next: SharedMap | null, ctx: StaticsSink): SharedChanges | null {
  if (prev === next || (prev === null && next === null)) return null;
  let changes: SharedChanges | null | undefined;
  if (prev === null) {
    changes = changesFromNothing.get(next!);
    if (changes === undefined) changesFromNothing.set(next!, (changes = computeChanges(null, next)));
  } else {
    const cached = changesFrom.get(prev);
    if (cached !== undefined && cached.next === next) changes = cached.changes;
    else changesFrom.set(prev, { next: next ?? EMPTY, changes: (changes = computeChanges(prev, next)) });
  }
  if (changes) replay(changes.statics, ctx);
  return changes;
}

const EMPTY: SharedMap = new Map();

function computeChanges(prev: SharedMap | null, next: SharedMap | null): SharedChanges | null {
  const recorder = new Recorder();
  let c: Record<number, WireNode> | null = null;
  let cr: number[] | null = null;
  if (next) {
    for (const [id, node] of next) {
      const old = prev?.get(id);
      if (old === node) continue;
      const change = old !== undefined && old.statics === node.statics ? diffNode(old, node, recorder) : full(node, recorder);
      if (change) (c ??= {})[id] = change;
    }
  }
  if (prev) for (const id of prev.keys()) if (!next?.has(id)) (cr ??= []).push(id);
  if (!c && !cr) return null;
  return { c, cr, statics: [...recorder.used], json: undefined };
}

/**
 * One tree's whole diff, as a view with no stateful components sends it: diff() plus the shared
 * components below the nodes under `c` (and `cr` for those no longer shown). The caller owns it.
 */
export function diffTree(prev: Rendered | null, next: Rendered, ctx: DiffContext): WireDiff | null {
  const out = diffShared(prev, next, ctx, false);
  const changes = sharedChanges(prev?.holdsShared ? sharedBelow(prev) : null, next.holdsShared ? sharedBelow(next) : null, ctx);
  const templates = ctx.take();
  if (out === null && changes === null && templates === null) return null;
  const whole: WireDiff = { ...out };
  if (changes?.c) whole[COMPONENTS] = changes.c;
  if (changes?.cr) whole[REMOVED_COMPONENTS] = changes.cr;
  if (templates) whole[TEMPLATES as "p"] = templates;
  return JSON.parse(JSON.stringify(whole)) as WireDiff;
}

/** The changes as the JSON of a diff's root keys `c` and `cr`. */
export function sharedJSON(changes: SharedChanges): string {
  return (changes.json ??= JSON.stringify({ ...(changes.c ? { [COMPONENTS]: changes.c } : {}), ...(changes.cr ? { [REMOVED_COMPONENTS]: changes.cr } : {}) }));
}
