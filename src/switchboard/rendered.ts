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
  html: string | undefined = undefined;

  constructor(statics: Statics, d: Dyn[], key: unknown) {
    this.statics = statics;
    this.d = d;
    this.key = key;
  }
}

/** A list of entries; `keys` is null for a list whose entries carry no key (diffed by position). */
export class RList {
  readonly items: readonly Rendered[];
  readonly keys: readonly unknown[] | null;

  constructor(items: Rendered[], keys: unknown[] | null) {
    this.items = items;
    this.keys = keys;
  }
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

class MemoState {
  readonly fn: (...args: any[]) => unknown;
  readonly byObject = new WeakMap<object, MemoEntry>();
  readonly byValue = new Map<unknown, MemoEntry>();

  constructor(fn: (...args: any[]) => unknown) {
    this.fn = fn;
  }

  /** The cached output for these inputs, or a fresh one (then cached). `call` renders on a miss. */
  lookup(inputs: readonly unknown[], call: () => unknown, first: string): Dyn {
    const key = inputs.find((x) => typeof x === "object" && x !== null) ?? inputs[0];
    const isObject = typeof key === "object" && key !== null;
    const hit = isObject ? this.byObject.get(key) : this.byValue.get(key);
    if (hit && sameInputs(hit.inputs, inputs)) return hit.out;
    const placedBefore = componentsPlaced;
    const result = call();
    checkComponentResult(this.fn, result);
    const out = evalChild(result, first, `component ${this.fn.name || "anonymous"}`);
    // A stateful component belongs to one view: a subtree holding one is never shared.
    if (componentsPlaced !== placedBefore) return out;
    markShared(out);
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
export function memo<A extends unknown[]>(component: (...args: A) => unknown): MemoComponent<A> {
  if (typeof component !== "function") {
    throw new TypeError(`memo() expects a component function; received ${describe(component)}`);
  }
  const state = new MemoState(component);
  const wrapped = ((...args: A) => new MemoCall(state, args)) as MemoComponent<A>;
  Object.defineProperty(wrapped, "name", { value: component.name });
  wrapped[MEMO] = state;
  return wrapped;
}

// ---- Building the tree ----------------------------------------------------------------------

/** Evaluates a template result into its rendered tree. */
export function build(result: TemplateResult): Rendered {
  const { template, values } = result;
  const slots = template.slots;
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
      if (value instanceof MemoCall) return value.state.lookup(value.args, () => value.state.fn(...value.args), first);
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
  return new RList(items, keys);
}

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
    return state.lookup(inputs, () => state.fn(props), t.first);
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
