// The one merge: applies wire diffs (protocol.ts) to the tree a client holds and turns that tree
// into HTML. Shared by the browser client and the test harness; free of Node and DOM APIs.
// merge() takes ownership of the diff (it may keep parts of it) and mutates the tree in place.

import { COMPONENTS, EVENTS, REMOVED_COMPONENTS, KEYED, KEYED_COUNT, STATICS, TEMPLATES, TITLE, type WireDiff, type WireDyn, type WireEntry, type WireList, type WireNode } from "./protocol.ts";

export interface ClientTree {
  root: WireNode | null;
  /** Statics received on this connection, by id. */
  templates: Record<number, string[]>;
  components: Record<number, WireNode>;
  title: string | null;
}

export function createTree(): ClientTree {
  return { root: null, templates: {}, components: {}, title: null };
}

const ROOT_ONLY = new Set<string>([TEMPLATES, COMPONENTS, REMOVED_COMPONENTS, TITLE, EVENTS]);

function fail(detail: string): never {
  throw new Error(`SB_ERR_MERGE_DIFF: a diff could not be merged: ${detail}. Rejoin the view to start from a full render.`);
}

export function merge(tree: ClientTree, diff: WireDiff): ClientTree {
  if (typeof diff !== "object" || diff === null || Array.isArray(diff)) fail("the diff is not an object");
  if (diff.p) Object.assign(tree.templates, diff.p);
  if (diff.t !== undefined) tree.title = diff.t;
  if (diff.c) {
    for (const [cid, node] of Object.entries(diff.c)) {
      const id = Number(cid);
      tree.components[id] = mergeNode(tree.components[id], node);
    }
  }
  if (diff.cr) for (const cid of diff.cr) delete tree.components[cid];
  let rootPart: WireNode | null = null;
  for (const key in diff) {
    if (ROOT_ONLY.has(key)) continue;
    (rootPart ??= {} as WireNode)[key as unknown as number] = (diff as Record<string, WireDyn>)[key]!;
  }
  if (rootPart) tree.root = mergeNode(tree.root ?? undefined, rootPart);
  return tree;
}

function mergeNode(target: WireNode | undefined, source: WireNode): WireNode {
  if (typeof source !== "object" || source === null || Array.isArray(source)) fail("expected a node object");
  if (source.s !== undefined || target === undefined) {
    if (source.s === undefined) fail("a new node arrived without statics");
    return source;
  }
  for (const key in source) {
    const i = key as unknown as number;
    target[i] = mergeDyn(target[i], source[i]!);
  }
  return target;
}

function mergeDyn(target: WireDyn | undefined, source: WireDyn): WireDyn {
  if (typeof source === "string" || typeof source === "number") return source;
  if (typeof source !== "object" || source === null) fail(`a slot holds ${typeof source}`);
  if (KEYED in source) return mergeList(target, source as WireList);
  return mergeNode(typeof target === "object" && !(KEYED in target) ? (target as WireNode) : undefined, source as WireNode);
}

function mergeList(target: WireDyn | undefined, source: WireList): WireList {
  const before = typeof target === "object" && KEYED in target ? (target as WireList).k : { [KEYED_COUNT]: 0 };
  const changes = source.k;
  if (typeof changes !== "object" || changes === null) fail("a list has no entries object");
  const count = changes[KEYED_COUNT];
  if (!Number.isInteger(count) || count < 0) fail("a list has no valid count");
  const after: WireList["k"] = { [KEYED_COUNT]: count };
  for (let i = 0; i < count; i++) {
    const entry: WireEntry | undefined = changes[i];
    if (entry === undefined) after[i] = existing(before, i);
    else if (typeof entry === "number") after[i] = existing(before, entry);
    else if (entry === null) fail(`list entry ${i} is null`);
    else if (Array.isArray(entry)) after[i] = mergeNode(existing(before, entry[0]), entry[1]);
    else after[i] = mergeNode(entry.s === undefined ? existing(before, i) : undefined, entry);
  }
  return { [KEYED]: after };
}

function existing(list: WireList["k"], i: number): WireNode {
  const node = list[i];
  if (node === undefined || typeof node !== "object" || Array.isArray(node)) fail(`a list refers to entry ${i}, which the client does not have`);
  return node as WireNode;
}

/** The tree's current HTML. */
export function toHTML(tree: ClientTree): string {
  return tree.root ? nodeHTML(tree, tree.root) : "";
}

function nodeHTML(tree: ClientTree, node: WireNode): string {
  const s = node.s;
  const parts = typeof s === "number" ? tree.templates[s] : s;
  if (!parts) fail(`statics ${String(s)} are unknown to the client`);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i++) out += dynHTML(tree, node[i - 1]!) + parts[i];
  return out;
}

function dynHTML(tree: ClientTree, value: WireDyn | undefined): string {
  if (typeof value === "string") return value;
  if (typeof value !== "number" && (typeof value !== "object" || value === null)) fail(`a slot holds ${String(value)}`);
  if (typeof value === "number") {
    const component = tree.components[value];
    if (!component) fail(`component ${value} is unknown to the client`);
    return nodeHTML(tree, component);
  }
  if (KEYED in value) {
    const k = (value as WireList).k;
    let out = "";
    for (let i = 0; i < k.kc; i++) out += dynHTML(tree, k[i] as WireNode);
    return out;
  }
  return nodeHTML(tree, value as WireNode);
}
