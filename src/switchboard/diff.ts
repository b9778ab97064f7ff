// The diff: from the rendered tree a client has to the one it should have, the smallest wire diff
// (format in protocol.ts). Pure: the only state is the DiffContext, which remembers per connection
// which statics the client already holds. Identical nodes (memoised, shared) are skipped by identity.

import { KEYED, KEYED_COUNT, STATICS, TEMPLATES, type WireDiff, type WireDyn, type WireEntry, type WireList, type WireNode } from "./protocol.ts";
import { Rendered, RList, type Dyn } from "./rendered.ts";

/** Per connection: the statics ids the client holds. Start a new one on every join. */
export class DiffContext {
  readonly sent = new Set<number>();
  pending: Record<number, string[]> | null = null;

  statics(node: Rendered): number {
    const { id, parts } = node.statics;
    if (!this.sent.has(id)) {
      this.sent.add(id);
      (this.pending ??= {})[id] = parts as string[];
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
 * The diff that turns `prev` into `next` on a client that has merged everything sent through
 * `ctx` so far, or null when nothing changed. With `prev` null it is the full first render.
 */
export function diff(prev: Rendered | null, next: Rendered, ctx: DiffContext, withTemplates = true): WireDiff | null {
  let out: WireNode | null;
  if (prev === next) out = null;
  else if (prev === null || prev.statics !== next.statics) out = full(next, ctx);
  else out = diffNode(prev, next, ctx);
  // A caller that adds more to the diff (a view's components) takes the statics table itself.
  const templates = withTemplates ? ctx.take() : null;
  if (templates) (out ??= {} as WireNode)[TEMPLATES as never] = templates as never;
  return out as WireDiff | null;
}

/** A node in full, with its statics reference. */
export function full(node: Rendered, ctx: DiffContext): WireNode {
  const out: WireNode = { [STATICS]: ctx.statics(node) };
  const d = node.d;
  for (let i = 0; i < d.length; i++) out[i] = fullDyn(d[i]!, ctx);
  return out;
}

function fullDyn(value: Dyn, ctx: DiffContext): WireDyn {
  if (typeof value === "string" || typeof value === "number") return value;
  if (value instanceof Rendered) return full(value, ctx);
  const k: WireList["k"] = { [KEYED_COUNT]: value.items.length };
  value.items.forEach((item, i) => (k[i] = full(item, ctx)));
  return { [KEYED]: k };
}

export function diffNode(prev: Rendered, next: Rendered, ctx: DiffContext): WireNode | null {
  let out: WireNode | null = null;
  const a = prev.d;
  const b = next.d;
  for (let i = 0; i < b.length; i++) {
    const change = diffDyn(a[i]!, b[i]!, ctx);
    if (change !== undefined) (out ??= {})[i] = change;
  }
  return out;
}

function diffDyn(prev: Dyn, next: Dyn, ctx: DiffContext): WireDyn | undefined {
  if (prev === next) return undefined;
  if (typeof next === "string" || typeof next === "number") return next;
  if (next instanceof Rendered) {
    if (prev instanceof Rendered && prev.statics === next.statics) return diffNode(prev, next, ctx) ?? undefined;
    return full(next, ctx);
  }
  return prev instanceof RList ? diffList(prev, next, ctx) : fullDyn(next, ctx);
}

const keyAt = (list: RList, i: number): unknown => (list.keys ? list.keys[i] : i);

function diffList(prev: RList, next: RList, ctx: DiffContext): WireList | undefined {
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
    const entry = j === undefined ? full(after[i]!, ctx) : diffEntry(before[j]!, after[i]!, i, j, ctx);
    if (entry !== undefined) (k ??= { [KEYED_COUNT]: after.length })[i] = entry;
  }
  if (!k && before.length === after.length) return undefined;
  return { [KEYED]: k ?? { [KEYED_COUNT]: after.length } };
}

function diffEntry(prev: Rendered, next: Rendered, i: number, j: number, ctx: DiffContext): WireEntry | undefined {
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
