// The rendered tree: what a template becomes once its values are evaluated. A Rendered node holds
// its interned statics and its dynamic values (escaped strings, nested nodes, lists) and never the
// whole HTML. Nodes are immutable, so memoised subtrees are shared by every session that renders
// the same inputs, and the diff can skip them by identity.

import { escapeHTML, RawHTML } from "./escape.ts";
import { describe, sbError } from "./errors.ts";
import { JS } from "./js.ts";
import {
  dynamicTagError,
  assertAttrName,
  TEXT_ENTRY,
  TemplateResult,
  type PropSource,
  type Slot,
  type Statics,
  type Template,
} from "./template.ts";

export class Rendered {
  readonly statics: Statics;
  readonly d: readonly Dyn[];
  readonly key: unknown;
  /** Set on nodes produced by memo(): shared between sessions, so their HTML may be cached. */
  shared = false;
  /**
   * A keyed memo's node (memo(fn, { keyed: true })): its shared component id, a negative number
   * that stays the same for every rendering of that key, so that it travels under `c` by id. 0 for
   * every other node.
   */
  sid = 0;
  /** Some node below this one has a shared component id. */
  readonly holdsShared: boolean;
  html: string | undefined = undefined;
  /** The shared components below this node by id (computed on first use; see sharedBelow). */
  below: ReadonlyMap<number, Rendered> | null | undefined = undefined;

  constructor(statics: Statics, d: Dyn[], key: unknown) {
    this.statics = statics;
    this.d = d;
    this.key = key;
    this.holdsShared = d.some(holdsShared);
  }
}

/** A list of entries; `keys` is null for a list whose entries carry no key (diffed by position). */
export class RList {
  readonly items: readonly Rendered[];
  readonly keys: readonly unknown[] | null;
  readonly holdsShared: boolean;

  constructor(items: Rendered[], keys: unknown[] | null) {
    this.items = items;
    this.keys = keys;
    this.holdsShared = items.some(holdsShared);
  }
}

function holdsShared(value: Dyn): boolean {
  return typeof value === "object" && (value.holdsShared || (value instanceof Rendered && value.sid !== 0));
}

/**
 * The shared components (keyed memo nodes) below `node`, by id, or null when there are none. A
 * tree may hold one node per id: two different renderings of one key in one tree throw
 * SB_ERR_MEMO_KEY. Cached on the node: shared nodes compute it once for every session.
 */
export function sharedBelow(node: Rendered): ReadonlyMap<number, Rendered> | null {
  if (node.below !== undefined) return node.below;
  const found: Found = { single: null, merged: null };
  for (const value of node.d) {
    if (value instanceof Rendered) {
      if (value.sid !== 0 || value.holdsShared) addShared(found, value);
    } else if (value instanceof RList && value.holdsShared) {
      for (const item of value.items) if (item.sid !== 0 || item.holdsShared) addShared(found, item);
    }
  }
  node.below = found.merged ?? found.single;
  return node.below;
}

/** sharedBelow's result so far: one subtree's map reused as is, or a merged copy. */
interface Found {
  single: ReadonlyMap<number, Rendered> | null;
  merged: Map<number, Rendered> | null;
}

function addShared(found: Found, child: Rendered): void {
  const inner = child.holdsShared ? sharedBelow(child) : null;
  if (child.sid === 0 && inner !== null && found.single === null && found.merged === null) {
    found.single = inner;
    return;
  }
  const merged = (found.merged ??= new Map(found.single ?? []));
  found.single = null;
  if (child.sid !== 0) bind(merged, child.sid, child);
  if (inner !== null) for (const [id, shared] of inner) bind(merged, id, shared);
}

/** The shared components of two trees shown in one view (its root and a stateful component's). */
export function unionShared(a: ReadonlyMap<number, Rendered>, b: ReadonlyMap<number, Rendered>): ReadonlyMap<number, Rendered> {
  const merged = new Map(a);
  for (const [id, node] of b) bind(merged, id, node);
  return merged;
}

function bind(map: Map<number, Rendered>, id: number, node: Rendered): void {
  const bound = map.get(id);
  if (bound !== undefined && bound !== node) throw sbError("SB_ERR_MEMO_KEY", memoName(id), JSON.stringify(node.key) ?? String(node.key));
  map.set(id, node);
}

/** Shared component ids are never reused: an id always means one memo function and one key. */
let lastSharedId = 0;
const sharedNames = new Map<number, string>();
const MAX_NAMED = 10_000;

function memoName(id: number): string {
  return sharedNames.get(id) ?? "a keyed memo component";
}

/** A number is a stateful component's id (its tree lives with the view, sent under `c`). */
export type Dyn = string | Rendered | RList | number;

// ---- Stateful components --------------------------------------------------------------------

/** A stateful component placed in a template; the view that builds the tree resolves it to an id. */
export class ComponentCall {
  readonly component: unknown;
  readonly props: object;

  constructor(component: unknown, props: object) {
    this.component = component;
    this.props = props;
  }
}

/** Resolves stateful components while a view builds its tree (live-instance.ts implements it). */
export interface ComponentHost {
  resolve(call: ComponentCall): number;
  rendered(cid: number): Rendered;
}

let host: ComponentHost | null = null;
/** Counts components placed, so memo() can refuse to share a subtree holding one. */
let componentsPlaced = 0;

/** Runs `fn` (a synchronous build) with `components` resolving stateful components. */
export function withComponents<T>(components: ComponentHost, fn: () => T): T {
  const previous = host;
  host = components;
  try {
    return fn();
  } finally {
    host = previous;
  }
}

// ---- Memoisation ----------------------------------------------------------------------------

const MEMO = Symbol("switchboard.memo");

interface MemoEntry {
  readonly inputs: readonly unknown[];
  readonly out: Dyn;
}

/** At most this many keys keep their shared component id per keyed memo; an evicted key gets a new id. */
const MAX_KEYED_IDS = 50_000;

class MemoState {
  readonly fn: (...args: any[]) => unknown;
  readonly byObject = new WeakMap<object, MemoEntry>();
  readonly byValue = new Map<unknown, MemoEntry>();
  /** For memo(fn, { keyed: true }): each key's shared component id. */
  readonly ids: Map<unknown, number> | null;

  constructor(fn: (...args: any[]) => unknown, keyed: boolean) {
    this.fn = fn;
    this.ids = keyed ? new Map() : null;
  }

  /** The shared component id of `key`, the same for every rendering of it. */
  idFor(key: unknown): number {
    const ids = this.ids!;
    let id = ids.get(key);
    if (id === undefined) {
      // Forgetting a key only costs its next rendering a full send under a new id.
      if (ids.size >= MAX_KEYED_IDS) ids.delete(ids.keys().next().value);
      id = --lastSharedId;
      ids.set(key, id);
      if (sharedNames.size >= MAX_NAMED) sharedNames.delete(sharedNames.keys().next().value!);
      sharedNames.set(id, this.fn.name || "anonymous");
    }
    return id;
  }

  /**
   * The cached output for these inputs, or a fresh one (then cached). On a miss the function is
   * called with `props` (tag form) or else with the inputs as its arguments. No closures here:
   * this runs for every memo in every render of every view.
   */
  lookup(inputs: readonly unknown[], first: string, props?: Record<string, unknown>): Dyn {
    const key = memoKey(inputs);
    const isObject = typeof key === "object" && key !== null;
    const hit = isObject ? this.byObject.get(key) : this.byValue.get(key);
    if (hit && sameInputs(hit.inputs, inputs)) return hit.out;
    const placedBefore = componentsPlaced;
    const result = props === undefined ? this.fn(...inputs) : this.fn(props);
    checkComponentResult(this.fn, result);
    const out = evalChild(result, first, `component ${this.fn.name || "anonymous"}`);
    // A stateful component belongs to one view: a subtree holding one is never shared.
    if (componentsPlaced !== placedBefore) {
      if (this.ids) throw sbError("SB_ERR_MEMO_KEY_ROOT", this.fn.name || "anonymous", "holds a stateful component");
      return out;
    }
    markShared(out);
    if (this.ids) {
      if (!(out instanceof Rendered) || out.key === undefined || out.key === null) {
        throw sbError("SB_ERR_MEMO_KEY_ROOT", this.fn.name || "anonymous", out instanceof Rendered ? "has no key= on its root element" : "does not render one element");
      }
      out.sid = this.idFor(out.key);
    }
    const entry = { inputs, out };
    if (isObject) this.byObject.set(key as object, entry);
    else {
      // Primitive keys cannot be weak; keep the most recent ones only.
      if (this.byValue.size >= 1000) this.byValue.delete(this.byValue.keys().next().value);
      this.byValue.set(key, entry);
    }
    return out;
  }
}

/** What a memo's cache is keyed on: its first object input, or else its first input. */
function memoKey(inputs: readonly unknown[]): unknown {
  for (const x of inputs) if (typeof x === "object" && x !== null) return x;
  return inputs[0];
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function markShared(out: Dyn): void {
  if (out instanceof Rendered) out.shared = true;
  else if (out instanceof RList) for (const item of out.items) item.shared = true;
}

/** A memoised component call, evaluated (or found in the cache) when the tree is built. */
export class MemoCall {
  readonly state: MemoState;
  readonly args: readonly unknown[];

  constructor(state: MemoState, args: readonly unknown[]) {
    this.state = state;
    this.args = args;
  }
}

type MemoComponent<A extends unknown[]> = ((...args: A) => MemoCall) & { [MEMO]: MemoState };

/**
 * Wraps a component so that calling it again with identical (===) inputs reuses the rendered
 * subtree: no rendering, and the diff skips it by identity. The cache is shared by all sessions
 * and keyed weakly on the first object input, so it never keeps dead inputs alive.
 */
export interface MemoOptions {
  /**
   * The subtree travels as a shared component identified by its root element's key: when its
   * inputs change, only its own changed slots are sent (under the diff's `c`), whatever contains
   * it. Its root must be one element with a key=, it must hold no stateful component, and a view
   * may show one rendering of each key at a time (SB_ERR_MEMO_KEY otherwise).
   */
  readonly keyed?: boolean;
}

export function memo<A extends unknown[]>(component: (...args: A) => unknown, options: MemoOptions = {}): MemoComponent<A> {
  if (typeof component !== "function") {
    throw new TypeError(`memo() expects a component function; received ${describe(component)}`);
  }
  const state = new MemoState(component, options.keyed === true);
  const wrapped = ((...args: A) => new MemoCall(state, args)) as MemoComponent<A>;
  Object.defineProperty(wrapped, "name", { value: component.name });
  wrapped[MEMO] = state;
  return wrapped;
}

// ---- Building the tree ----------------------------------------------------------------------

/**
 * The one node of each template with nothing dynamic and no key (say, a fixed notice on every
 * page), held by every render of every view: a node's content never changes once built, and what
 * is set on it later (shared, its cached HTML) is the same wherever it is used.
 */
const staticNodes = new WeakMap<Template, Rendered>();

/** Evaluates a template result into its rendered tree. */
export function build(result: TemplateResult): Rendered {
  const { template, values } = result;
  const slots = template.slots;
  if (slots.length === 0 && template.keyValue < 0 && template.keyStatic === undefined) {
    let node = staticNodes.get(template);
    if (node === undefined) staticNodes.set(template, (node = new Rendered(template.statics, [], undefined)));
    return node;
  }
  const d = new Array<Dyn>(slots.length);
  for (let i = 0; i < slots.length; i++) d[i] = evalSlot(slots[i]!, values, template);
  const key = template.keyValue >= 0 ? values[template.keyValue] : template.keyStatic;
  return new Rendered(template.statics, d, key);
}

function evalSlot(slot: Slot, values: readonly unknown[], t: Template): Dyn {
  switch (slot.kind) {
    case "child":
      return evalChild(values[slot.value], t.first, "a child position");
    case "attr":
      return attribute(slot.name, values[slot.value], t.first);
    case "attr-part":
      return attrText(values[slot.value], t.first, "an attribute value");
    case "attrs":
      return attributes(slot.props, values, t.first);
    case "component":
      return component(slot, values, t);
  }
}

/** A value in a child position: text, raw HTML, a nested template, a list, or nothing. */
export function evalChild(value: unknown, first: string, where: string): Dyn {
  switch (typeof value) {
    case "string":
      return escapeHTML(value);
    case "number":
    case "bigint":
      return String(value);
    case "boolean":
    case "undefined":
      return "";
    case "object":
      if (value === null) return "";
      if (value instanceof TemplateResult) return build(value);
      if (value instanceof MemoCall) return value.state.lookup(value.args, first);
      if (value instanceof RawHTML) return value.html;
      if (Array.isArray(value)) return list(value, first, where);
      if (value instanceof ComponentCall) {
        if (!host) throw sbError("SB_ERR_COMPONENT_OUTSIDE_VIEW", first);
        componentsPlaced++;
        return host.resolve(value);
      }
  }
  throw sbError("SB_ERR_SLOT_VALUE", first, where, describe(value));
}

function list(values: readonly unknown[], first: string, where: string): RList {
  const items: Rendered[] = [];
  let keys: unknown[] | null = null;
  const add = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(add);
    const out = evalChild(v, first, `an entry of a list in ${where}`);
    if (out instanceof RList) return out.items.forEach((item) => push(item));
    if (out === "") return;
    if (typeof out === "number") return push(new Rendered(TEXT_ENTRY.statics, [out], `\u0001${out}`));
    push(typeof out === "string" ? new Rendered(TEXT_ENTRY.statics, [out], undefined) : out);
  };
  const push = (item: Rendered): void => {
    // A null or undefined key is no key: the entry is diffed by its position.
    const keyed = item.key !== undefined && item.key !== null;
    if (keyed && keys === null) keys = items.map((_, i) => `\u0000${i}`);
    if (keys) keys.push(keyed ? item.key : `\u0000${items.length}`);
    items.push(item);
  };
  values.forEach(add);
  if (keys && new Set(keys).size !== (keys as unknown[]).length) {
    const seen = new Set<unknown>();
    const dup = (keys as unknown[]).find((k) => (seen.has(k) ? true : (seen.add(k), false)));
    throw sbError("SB_ERR_DUPLICATE_KEY", first, JSON.stringify(dup) ?? String(dup));
  }
  return items.length === 0 ? EMPTY_LIST : new RList(items, keys);
}

/** Every empty list is this one (lists are never changed once built). */
const EMPTY_LIST = new RList([], null);

/** Text inside a quoted attribute value. */
function attrText(value: unknown, first: string, where: string): string {
  switch (typeof value) {
    case "string":
      return escapeHTML(value);
    case "number":
    case "bigint":
      return String(value);
    case "boolean":
    case "undefined":
      return "";
    case "object":
      if (value === null) return "";
      if (value instanceof RawHTML) return value.html;
      if (value instanceof JS) return escapeHTML(value.toString());
  }
  throw sbError("SB_ERR_SLOT_VALUE", first, where, describe(value));
}

/** A whole attribute: ` name="value"`, ` name` for true, nothing for false/null/undefined. */
function attribute(name: string, value: unknown, first: string): string {
  if (value === true) return ` ${name}`;
  if (value === false || value === null || value === undefined) return "";
  return ` ${name}="${attrText(value, first, `the attribute ${name}`)}"`;
}

function attributes(props: readonly PropSource[], values: readonly unknown[], first: string): string {
  const merged = new Map<string, unknown>();
  for (const p of props) {
    if (p.kind !== "spread") {
      merged.set(p.name, propValue(p, values, first));
      continue;
    }
    for (const [name, v] of Object.entries(spreadObject(values[p.value], first))) {
      assertAttrName(first, name);
      if (name !== "key") merged.set(name, v);
    }
  }
  let out = "";
  for (const [name, v] of merged) out += attribute(name, v, first);
  return out;
}

/** A spread's value: a plain object of names to values (null/undefined spread nothing). */
function spreadObject(spread: unknown, first: string): object {
  if (spread === null || spread === undefined) return {};
  if (typeof spread !== "object" || Array.isArray(spread)) throw sbError("SB_ERR_SPREAD_VALUE", first, describe(spread));
  return spread;
}

function propValue(p: Exclude<PropSource, { kind: "spread" }>, values: readonly unknown[], first: string): unknown {
  switch (p.kind) {
    // Static text is markup as written: only its quotes need escaping, as in compiled statics.
    case "static":
      return p.value === true ? true : new RawHTML(p.value.replaceAll('"', "&quot;"));
    case "value":
      return values[p.value];
    case "mixed":
      return new RawHTML(p.parts.map((x) => (typeof x === "number" ? attrText(values[x], first, `the attribute ${p.name}`) : x.replaceAll('"', "&quot;"))).join(""));
  }
}

function component(slot: Extract<Slot, { kind: "component" }>, values: readonly unknown[], t: Template): Dyn {
  const fn = values[slot.tag];
  if (typeof fn !== "function") throw dynamicTagError(t.first, fn);
  const props: Record<string, unknown> = {};
  for (const p of slot.props) {
    if (p.kind === "spread") Object.assign(props, spreadObject(values[p.value], t.first));
    else if (p.kind === "mixed") props[p.name] = p.parts.map((x) => (typeof x === "number" ? String(values[x] ?? "") : x)).join("");
    else props[p.name] = p.kind === "static" ? p.value : values[p.value];
  }
  if (slot.children) props.children = new TemplateResult(slot.children, values);
  const state = (fn as Partial<MemoComponent<unknown[]>>)[MEMO];
  if (state) {
    const inputs = Object.entries(props).flat();
    return state.lookup(inputs, t.first, props);
  }
  const out = fn(props);
  checkComponentResult(fn, out);
  return evalChild(out, t.first, `the result of component ${fn.name || "anonymous"}`);
}

function checkComponentResult(fn: Function, out: unknown): void {
  if (typeof out === "function" || typeof out === "symbol" || (typeof out === "object" && out !== null && !(out instanceof TemplateResult) && !(out instanceof MemoCall) && !(out instanceof RawHTML) && !Array.isArray(out))) {
    throw sbError("SB_ERR_COMPONENT_RESULT", fn.name || "anonymous", describe(out));
  }
}
