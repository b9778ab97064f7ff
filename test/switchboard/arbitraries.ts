// Generators for the diff properties: a random widget state, the fixed views (one call site per
// shape) that render it into every kind of slot, and edits that turn one state into the next the
// way a live view does (list operations, memo inputs kept or replaced), sharing unchanged parts.

import fc from "fast-check";
import { html, memo, type TemplateResult } from "../../src/switchboard/index.ts";

// ---- The state ------------------------------------------------------------------------------

export type Scalar = string | number | bigint | boolean | null | undefined;
export type AttrValue = string | number | boolean | null;
export type Key = string | number;
export type SpreadAttrs = Readonly<Record<string, AttrValue>>;

export interface Entry {
  readonly key: Key;
  readonly w: Widget;
}

export interface MemoInput {
  readonly label: string;
  readonly n: number;
  readonly child: Widget;
}

export type Widget =
  | { readonly kind: "text"; readonly value: Scalar }
  | { readonly kind: "attr"; readonly value: AttrValue; readonly child: Widget }
  | { readonly kind: "mixed"; readonly value: Scalar; readonly other: Scalar }
  | { readonly kind: "flag"; readonly on: boolean; readonly value: AttrValue }
  | { readonly kind: "spread"; readonly attrs: SpreadAttrs | null; readonly value: AttrValue; readonly child: Widget }
  | { readonly kind: "site"; readonly site: number; readonly a: Scalar; readonly child: Widget }
  | { readonly kind: "keyed"; readonly site: number; readonly nest: boolean; readonly bare: boolean; readonly entries: readonly Entry[] }
  | { readonly kind: "unkeyed"; readonly nest: boolean; readonly bare: boolean; readonly items: readonly Widget[] }
  | { readonly kind: "mixedList"; readonly items: readonly (Scalar | Entry)[] }
  | { readonly kind: "comp"; readonly form: number; readonly title: Scalar; readonly child: Widget }
  | { readonly kind: "memo"; readonly form: number; readonly input: MemoInput };

/** The whole page: which root call site, and the widget inside it. */
export interface State {
  readonly root: number;
  readonly w: Widget;
}

const isEntry = (x: unknown): x is Entry => typeof x === "object" && x !== null && "key" in x;

// ---- Views: fixed call sites ----------------------------------------------------------------

const Card = ({ title, extra, children }: { title: Scalar; extra?: string; children: unknown }) =>
  html`<div class="card" data-extra=${extra}><h3>${title}</h3>${children}</div>`;
const Badge = ({ label, item }: { label: Scalar; item: unknown }) => [label, html`<sup>!</sup>`, item];
const Label = ({ title }: { title: Scalar }) => (typeof title === "string" ? title.toUpperCase() : title);

const card = (input: MemoInput) => html`<article>${input.label}<b>${input.n}</b>${view(input.child)}</article>`;
const tag = ({ item }: { item: MemoInput }) => html`<aside title=${item.label}>${view(item.child)}</aside>`;
const prim = (label: string, n: number) => html`<em class="p ${label}">${label}/${n}</em>`;
const listOf = (input: MemoInput) => [input.label, html`<b>${input.n}</b>`, view(input.child, true)];
const row = (e: Entry) => html`<li key=${e.key} class="memo">${view(e.w)}</li>`;
const MemoCard = memo(card);
const MemoTag = memo(tag);
const MemoPrim = memo(prim);
const MemoList = memo(listOf);
const MemoRow = memo(row);

let memoised = true;

/** Renders through the plain component functions instead of their memo() wrappers: the oracle for memo(). */
export function withoutMemo<T>(fn: () => T): T {
  memoised = false;
  try {
    return fn();
  } finally {
    memoised = true;
  }
}

const RowItem = ({ e }: { e: Entry }) => html`<li data-k=${e.key}>${view(e.w)}</li>`;

function entryView(e: Entry, site: number): unknown {
  switch (site % 4) {
    case 0:
      return html`<li key=${e.key}>${e.key}: ${view(e.w)}</li>`;
    case 1:
      return html`<li key=${e.key} class="alt">${view(e.w)}</li>`;
    case 2: // a component keyed at the root of its call site
      return html`<${RowItem} key=${e.key} e=${e} />`;
    default:
      return memoised ? MemoRow(e) : row(e);
  }
}

function siteView(w: Extract<Widget, { kind: "site" }>): TemplateResult {
  const { a, child } = w;
  switch (w.site % 7) {
    case 0:
      return html`<p>${a}${view(child)}</p>`;
    case 1: // same markup as 0 at another call site: same statics, another template
      return html`<p>${a}${view(child)}</p>`;
    case 2:
      return html`<section title=${a as AttrValue}>${view(child)}</section>`;
    case 3: // statics ["", ""], the same as a bare text entry's
      return html`${view(child)}`;
    case 4:
      return html`<b>${a}</b><i>${view(child)}</i>`;
    case 5:
      return html`<p title=${a as AttrValue}></p>${view(child)}`;
    default: // same statics as 5, but a spread slot
      return html`<p ...${{ title: a as AttrValue }}></p>${view(child)}`;
  }
}

/**
 * What a widget puts in a child position: a scalar, a template, a component or memo call, a list.
 * A bare list is returned as an array, so the slot itself holds it; inside another list (`inList`)
 * a bare keyed list is wrapped all the same, as flattened keys could clash with its siblings'.
 */
export function view(w: Widget, inList = false): unknown {
  switch (w.kind) {
    case "text":
      return w.value;
    case "attr":
      return html`<span title=${w.value}>${view(w.child)}</span>`;
    case "mixed":
      return html`<span class="a ${w.value} b ${w.other}" data-k="${w.other}">x</span>`;
    case "flag":
      return html`<input type="checkbox" checked=${w.on} value=${w.value}>`;
    case "spread":
      return html`<div class="base" ...${w.attrs} data-v=${w.value}>${view(w.child)}</div>`;
    case "site":
      return siteView(w);
    case "keyed": {
      const rows = w.entries.map((e) => entryView(e, w.site));
      const list = w.nest ? [rows.slice(0, 2), [rows.slice(2)]] : rows;
      return w.bare && !inList ? list : html`<ul>${list}</ul>`;
    }
    case "unkeyed": {
      const items = w.items.map((x) => view(x, true));
      const list = w.nest ? [items.slice(0, 1), items.slice(1)] : items;
      return w.bare ? list : html`<div class="u">${list}</div>`;
    }
    case "mixedList":
      return html`<ol>${w.items.map((x) => (isEntry(x) ? entryView(x, 0) : x))}</ol>`;
    case "comp":
      switch (w.form % 4) {
        case 0:
          return html`<div>${Card({ title: w.title, children: view(w.child) })}</div>`;
        case 1:
          return html`<${Card} title=${w.title} extra="x ${w.title} y" ...${{ id: "c" }}>${view(w.child)}<//>`;
        case 2:
          return html`<${Badge} label=${w.title} item=${view(w.child, true)} />`;
        default:
          return html`<h4><${Label} title=${w.title} /></h4>`;
      }
    case "memo":
      switch (w.form % 4) {
        case 0:
          return memoised ? MemoCard(w.input) : card(w.input);
        case 1:
          return html`<${memoised ? MemoTag : tag} item=${w.input} />`;
        case 2:
          return memoised ? MemoPrim(w.input.label, w.input.n) : prim(w.input.label, w.input.n);
        default:
          return html`<div>${memoised ? MemoList(w.input) : listOf(w.input)}</div>`;
      }
  }
}

/** The page's root template: five call sites, two of them with equal markup, one a bare slot. */
export function page(s: State): TemplateResult {
  switch (s.root % 5) {
    case 0:
      return html`<main id="app">${view(s.w)}</main>`;
    case 1:
      return html`<main id="app" class="alt">${view(s.w)}</main>`;
    case 2:
      return html`<main id="app">${view(s.w)}</main>`;
    case 3:
      return html`${view(s.w)}`;
    default:
      return html`<header>h</header>${view(s.w)}<footer>f</footer>`;
  }
}

// ---- Generators -----------------------------------------------------------------------------

const chars = fc.constantFrom("a", "b", "z", " ", "<", ">", "&", '"', "'", "=", "/", "é", "€", "😀", "\u00a0", "\uE000", "\n");
export const text = fc.oneof({ weight: 5, arbitrary: fc.string({ unit: chars, maxLength: 6 }) }, { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 3 }) });
export const number = fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom(-0, 1.5, NaN, Infinity, 1e21, -1e-7));
export const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 3, arbitrary: number },
  { weight: 1, arbitrary: fc.bigInt({ min: -10n, max: 10n }) },
  { weight: 3, arbitrary: fc.constantFrom<Scalar>(null, false, undefined, true, "") },
);
export const attrValue: fc.Arbitrary<AttrValue> = fc.oneof(text, fc.integer({ min: -3, max: 20 }), fc.constantFrom<AttrValue>(true, false, null, ""));
export const key: fc.Arbitrary<Key> = fc.oneof(fc.constantFrom("a", "b", "c", "d", "e", "1", "x y", "<k>"), fc.integer({ min: 0, max: 6 }));
const spreadAttrs: fc.Arbitrary<SpreadAttrs | null> = fc.option(
  fc.dictionary(fc.constantFrom("id", "title", "class", "data-v", "hidden", "key"), attrValue, { maxKeys: 3 }),
  { freq: 4 },
);

/** Inputs shared by many states (and runs): memo() sees the very same objects again. */
export const POOL: readonly MemoInput[] = Object.freeze([
  Object.freeze({ label: "pooled", n: 1, child: Object.freeze({ kind: "text", value: "p<1>" }) as Widget }),
  Object.freeze({ label: "p&2", n: 2, child: Object.freeze({ kind: "flag", on: true, value: "v" }) as Widget }),
  Object.freeze({
    label: "p3",
    n: 3,
    child: Object.freeze({
      kind: "keyed",
      site: 0,
      nest: false,
      bare: false,
      entries: Object.freeze([{ key: "a", w: { kind: "text", value: "A" } as Widget }, { key: 1, w: { kind: "text", value: 1 } as Widget }]),
    }) as Widget,
  }),
]);

/** Widgets nested at most `maxDepth` levels deep (fc.letrec's depth bias keeps shrinking small). */
export function widgetArb(maxDepth: number): fc.Arbitrary<Widget> {
  return widgetArbs(maxDepth).widget;
}

function widgetArbs(maxDepth: number) {
  return fc.letrec<{ widget: Widget; entries: readonly Entry[]; input: MemoInput }>((tie) => ({
    widget: fc.oneof(
      { depthSize: "small", maxDepth, withCrossShrink: true },
      fc.record({ kind: fc.constant("text" as const), value: scalar }),
      fc.record({ kind: fc.constant("attr" as const), value: attrValue, child: tie("widget") }),
      fc.record({ kind: fc.constant("mixed" as const), value: scalar, other: scalar }),
      fc.record({ kind: fc.constant("flag" as const), on: fc.boolean(), value: attrValue }),
      fc.record({ kind: fc.constant("spread" as const), attrs: spreadAttrs, value: attrValue, child: tie("widget") }),
      fc.record({ kind: fc.constant("site" as const), site: fc.nat(6), a: scalar, child: tie("widget") }),
      fc.record({ kind: fc.constant("keyed" as const), site: fc.nat(3), nest: fc.boolean(), bare: fc.boolean(), entries: tie("entries") }),
      fc.record({ kind: fc.constant("unkeyed" as const), nest: fc.boolean(), bare: fc.boolean(), items: fc.array(tie("widget"), { maxLength: 4 }) }),
      fc.record({
        kind: fc.constant("mixedList" as const),
        items: fc.array(fc.oneof(scalar, fc.record({ key, w: tie("widget") })), { maxLength: 5 }).map(uniqueEntries),
      }),
      fc.record({ kind: fc.constant("comp" as const), form: fc.nat(3), title: scalar, child: tie("widget") }),
      fc.record({ kind: fc.constant("memo" as const), form: fc.nat(3), input: tie("input") }),
    ),
    entries: fc.uniqueArray(fc.record({ key, w: tie("widget") }), { selector: (e) => e.key, maxLength: 6 }),
    input: fc.oneof(fc.constantFrom(...POOL), fc.record({ label: text, n: fc.integer({ min: 0, max: 9 }), child: tie("widget") })),
  }));
}

/** Drops entries whose key an earlier entry already has. */
function uniqueEntries(items: (Scalar | Entry)[]): (Scalar | Entry)[] {
  const seen = new Set<Key>();
  return items.filter((x) => !isEntry(x) || (!seen.has(x.key) && (seen.add(x.key), true)));
}

/** A page: any widget, or (as often) a list of them, so that most pages have lists to edit. */
export function stateArb(maxDepth = 4): fc.Arbitrary<State> {
  const { widget, entries } = widgetArbs(maxDepth);
  const w = fc.oneof(
    widget,
    fc.record({ kind: fc.constant("keyed" as const), site: fc.nat(3), nest: fc.boolean(), bare: fc.boolean(), entries }),
    fc.record({ kind: fc.constant("unkeyed" as const), nest: fc.boolean(), bare: fc.boolean(), items: fc.array(widget, { minLength: 1, maxLength: 5 }) }),
  );
  return fc.record({ root: fc.nat(4), w });
}

/** One change to a state: the node it hits (preorder index), the operation, and its arguments. */
export interface Edit {
  /** Hit a list node (when there is one), rather than any node. */
  readonly onList: boolean;
  readonly target: number;
  readonly op: number;
  readonly a: number;
  readonly b: number;
  readonly value: Scalar;
  readonly key: Key;
  readonly widget: Widget;
}

export const editArb: fc.Arbitrary<Edit> = fc.record({
  onList: fc.boolean(),
  target: fc.nat(40),
  op: fc.nat(12),
  a: fc.nat(20),
  b: fc.nat(20),
  value: scalar,
  key,
  widget: widgetArb(2),
});

/** How the next state comes from the previous: the same object, a fresh one, or edits of it. */
export type Step = { readonly kind: "same" } | { readonly kind: "fresh"; readonly state: State } | { readonly kind: "edit"; readonly root: number | null; readonly edits: readonly Edit[] };

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: "same" } as const) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fresh" as const), state: stateArb() }) },
  {
    weight: 7,
    arbitrary: fc.record({ kind: fc.constant("edit" as const), root: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(4) }), edits: fc.array(editArb, { minLength: 1, maxLength: 3 }) }),
  },
);

/** A run: a first state and 0–7 steps, so 1–8 states. */
export const scenarioArb = fc.record({ first: stateArb(), steps: fc.array(stepArb, { maxLength: 7 }) });

export function statesOf(scenario: { first: State; steps: readonly Step[] }): State[] {
  const states = [scenario.first];
  for (const step of scenario.steps) states.push(next(states[states.length - 1]!, step));
  return states;
}

export function next(s: State, step: Step): State {
  switch (step.kind) {
    case "same":
      return s;
    case "fresh":
      return step.state;
    case "edit": {
      const w = step.edits.reduce(applyEdit, s.w);
      return { root: step.root ?? s.root, w };
    }
  }
}

// ---- Edits: copy on write, so untouched subtrees (and memo inputs) keep their identity -------

function kids(w: Widget): readonly Widget[] {
  switch (w.kind) {
    case "attr":
    case "spread":
    case "site":
    case "comp":
      return [w.child];
    case "memo":
      return [w.input.child];
    case "keyed":
      return w.entries.map((e) => e.w);
    case "unkeyed":
      return w.items;
    case "mixedList":
      return w.items.filter(isEntry).map((e) => e.w);
    default:
      return [];
  }
}

function withKids(w: Widget, ks: readonly Widget[]): Widget {
  switch (w.kind) {
    case "attr":
    case "spread":
    case "site":
    case "comp":
      return { ...w, child: ks[0]! };
    case "memo":
      return { ...w, input: { ...w.input, child: ks[0]! } };
    case "keyed":
      return { ...w, entries: w.entries.map((e, i) => (e.w === ks[i] ? e : { key: e.key, w: ks[i]! })) };
    case "unkeyed":
      return { ...w, items: ks };
    case "mixedList": {
      let i = 0;
      return { ...w, items: w.items.map((x) => (isEntry(x) ? (x.w === ks[i] ? (i++, x) : { key: x.key, w: ks[i++]! }) : x)) };
    }
    default:
      return w;
  }
}

function preorder(w: Widget, out: Widget[] = []): Widget[] {
  out.push(w);
  for (const k of kids(w)) preorder(k, out);
  return out;
}

function replace(w: Widget, target: Widget, by: Widget): Widget {
  if (w === target) return by;
  const ks = kids(w);
  const next = ks.map((k) => replace(k, target, by));
  return next.some((k, i) => k !== ks[i]) ? withKids(w, next) : w;
}

export function applyEdit(root: Widget, e: Edit): Widget {
  const nodes = preorder(root);
  const lists = nodes.filter((w) => w.kind === "keyed" || w.kind === "unkeyed" || w.kind === "mixedList");
  const all = e.onList && lists.length > 0 ? lists : nodes;
  const target = all[e.target % all.length]!;
  return replace(root, target, transform(target, e));
}

function freshKey(used: Set<Key>, wanted: Key): Key {
  let k = wanted;
  for (let n = 0; used.has(k); n++) k = `${String(wanted)}~${n}`;
  return k;
}

function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed * 7919 + 17;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** List operations shared by the three list kinds; `make` builds a new item. */
function listOp<T>(items: readonly T[], e: Edit, make: () => T, rekey: ((x: T, i: number) => T) | null): readonly T[] {
  const n = items.length;
  const out = [...items];
  switch (e.op % 9) {
    case 0: // insert
      out.splice(e.a % (n + 1), 0, make());
      return out;
    case 1: // delete
      if (n > 0) out.splice(e.a % n, 1);
      return out;
    case 2: {
      // move one entry
      if (n === 0) return out;
      const [moved] = out.splice(e.a % n, 1);
      out.splice(e.b % n, 0, moved!);
      return out;
    }
    case 3:
      return shuffle(items, e.a);
    case 4: // update one entry
      if (n > 0) out[e.a % n] = make();
      return out;
    case 5: // a whole new key set
      return rekey ? items.map(rekey) : out.reverse();
    case 6:
      return [];
    case 7:
      return out.reverse();
    default: // swap two entries
      if (n > 1) [out[e.a % n], out[e.b % n]] = [out[e.b % n]!, out[e.a % n]!];
      return out;
  }
}

const toAttr = (v: Scalar): AttrValue => (typeof v === "bigint" ? String(v) : v === undefined ? null : v);

const rekeyEntry = (x: Entry): Entry => ({ key: typeof x.key === "number" ? x.key + 10 : `${x.key}'`, w: x.w });

function transform(w: Widget, e: Edit): Widget {
  if (e.op === 12) return e.widget; // replace the node outright
  switch (w.kind) {
    case "text":
      return { kind: "text", value: e.value };
    case "attr":
      return { ...w, value: toAttr(e.value) };
    case "mixed":
      return e.op % 2 ? { ...w, value: e.value } : { ...w, other: e.value };
    case "flag":
      return e.op % 2 ? { ...w, on: !w.on } : { ...w, value: toAttr(e.value) };
    case "spread": {
      const attrs = { ...(w.attrs ?? {}) };
      const name = ["id", "title", "class", "hidden", "data-v"][e.a % 5]!;
      if (e.op % 3 === 0) return { ...w, attrs: null };
      if (e.op % 3 === 1) delete attrs[name];
      else attrs[name] = toAttr(e.value);
      return { ...w, attrs };
    }
    case "site":
      return e.op % 2 ? { ...w, site: e.a % 7 } : { ...w, a: e.value };
    case "comp":
      return e.op % 2 ? { ...w, form: e.a % 4 } : { ...w, title: e.value };
    case "memo":
      switch (e.op % 4) {
        case 0: // a new object with the same content: memo misses, the diff finds nothing
          return { ...w, input: { ...w.input } };
        case 1:
          return { ...w, input: POOL[e.a % POOL.length]! };
        case 2:
          return { ...w, input: { ...w.input, label: String(e.value), n: e.b % 10 } };
        default:
          return { ...w, form: e.a % 4 };
      }
    case "keyed": {
      if (e.op === 10) return { ...w, site: e.a % 4 };
      if (e.op === 11) return e.a % 2 ? { ...w, nest: !w.nest } : { ...w, bare: !w.bare };
      if (e.op === 9 && w.entries.length > 0) {
        // moves with changes: shuffle, and give one entry new content under its key
        const i = e.b % w.entries.length;
        return { ...w, entries: shuffle(w.entries, e.a).map((x) => (x === w.entries[i] ? { key: x.key, w: e.widget } : x)) };
      }
      if (e.op % 9 === 4 && w.entries.length > 0) {
        // an update keeps the entry's key
        const i = e.a % w.entries.length;
        return { ...w, entries: w.entries.map((x, j) => (j === i ? { key: x.key, w: e.widget } : x)) };
      }
      const used = new Set(w.entries.map((x) => x.key));
      return { ...w, entries: listOp(w.entries, e, () => ({ key: freshKey(used, e.key), w: e.widget }), rekeyEntry) };
    }
    case "unkeyed":
      if (e.op >= 10) return e.a % 2 ? { ...w, nest: !w.nest } : { ...w, bare: !w.bare };
      return { ...w, items: listOp(w.items, e, () => e.widget, null) };
    case "mixedList": {
      const used = new Set(w.items.filter(isEntry).map((x) => x.key));
      const make = (): Scalar | Entry => (e.b % 2 ? e.value : { key: freshKey(used, e.key), w: e.widget });
      const items = listOp(w.items, e, make, (x) => (isEntry(x) ? rekeyEntry(x) : x));
      return { ...w, items: uniqueEntries([...items]) };
    }
  }
}
