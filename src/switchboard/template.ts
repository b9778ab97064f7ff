// The `html` tagged template. Each call site (its identity-stable strings array) is analysed once,
// through htm, into static chunks and dynamic slots; the analysis is cached in a WeakMap and its
// statics are interned, so equal markup shares one fingerprint. A call returns a TemplateResult:
// the compiled call site plus this call's values. Nothing is rendered until build() runs.

import htm from "htm";
import { describe, sbError } from "./errors.ts";
import { checkTemplate, firstLine, VOID_ELEMENTS } from "./template-check.ts";

/** Interned static chunks: equal chunks, equal object, equal fingerprint id. */
export interface Statics {
  readonly id: number;
  readonly parts: readonly string[];
}

/** An attribute or component prop as written: static text, a bare flag, a value, or text mixed with values. */
export type PropSource =
  | { readonly kind: "static"; readonly name: string; readonly value: string | true }
  | { readonly kind: "value"; readonly name: string; readonly value: number }
  | { readonly kind: "mixed"; readonly name: string; readonly parts: readonly (string | number)[] }
  | { readonly kind: "spread"; readonly value: number };

/** A dynamic slot; `value` fields index the call's values array. */
export type Slot =
  | { readonly kind: "child"; readonly value: number }
  | { readonly kind: "attr"; readonly name: string; readonly value: number }
  | { readonly kind: "attr-part"; readonly value: number }
  | { readonly kind: "attrs"; readonly props: readonly PropSource[] }
  | {
      readonly kind: "component";
      readonly tag: number;
      readonly props: readonly PropSource[];
      readonly children: Template | null;
    };

export class Template {
  readonly statics: Statics;
  readonly slots: readonly Slot[];
  /** Index of the value given as the root element's `key`, or -1. */
  readonly keyValue: number;
  /** A literal `key="..."` on the root element. */
  readonly keyStatic: string | undefined;
  /** The first line of the source, to name the template in errors. */
  readonly first: string;

  constructor(statics: Statics, slots: Slot[], keyValue: number, keyStatic: string | undefined, first: string) {
    this.statics = statics;
    this.slots = slots;
    this.keyValue = keyValue;
    this.keyStatic = keyStatic;
    this.first = first;
  }
}

/** One evaluation of a call site: what `html\`...\`` returns. */
export class TemplateResult {
  readonly template: Template;
  readonly values: readonly unknown[];

  constructor(template: Template, values: readonly unknown[]) {
    this.template = template;
    this.values = values;
  }
}

// ---- Statics interning ----------------------------------------------------------------------

const staticsByText = new Map<string, Statics>();
const staticsById: Statics[] = [];

export function internStatics(parts: readonly string[]): Statics {
  const text = parts.join("\u0000");
  let found = staticsByText.get(text);
  if (!found) {
    found = Object.freeze({ id: staticsById.length, parts: Object.freeze([...parts]) });
    staticsByText.set(text, found);
    staticsById.push(found);
  }
  return found;
}

export function staticsFor(id: number): Statics | undefined {
  return staticsById[id];
}

// ---- Analysis through htm --------------------------------------------------------------------

const MARK_OPEN = "\uE000";
const MARK_CLOSE = "\uE001";
const SPREAD_PREFIX = "\uE002spread";
const markerInText = /\uE000(\d+)\uE001/;

/** Stands in for value i while htm parses; survives htm's string concatenation and spreads. */
class Marker {
  declare readonly i: number;

  constructor(i: number) {
    // htm spreads with Object.assign, which copies enumerable own keys: `i` must not be one (it
    // would render as an attribute), while this key carries the spread's position into props.
    Object.defineProperty(this, "i", { value: i });
    Object.defineProperty(this, SPREAD_PREFIX + i, { value: i, enumerable: true });
  }

  toString(): string {
    return MARK_OPEN + this.i + MARK_CLOSE;
  }
}

interface VNode {
  tag: string | Marker;
  props: Record<string, unknown> | null;
  children: unknown[];
}

const parse = htm.bind((tag: string | Marker, props: Record<string, unknown> | null, ...children: unknown[]): VNode => ({
  tag,
  props,
  children,
}));

const attrName = /^[^\s"'<>\/=\u0000-\u001f]+$/;

class Compiler {
  readonly parts: string[] = [];
  readonly slots: Slot[] = [];
  cur = "";
  keyValue = -1;
  keyStatic: string | undefined;
  readonly first: string;

  constructor(first: string) {
    this.first = first;
  }

  slot(slot: Slot): void {
    this.parts.push(this.cur);
    this.cur = "";
    this.slots.push(slot);
  }

  node(n: unknown, isRoot: boolean): void {
    if (n instanceof Marker) return this.slot({ kind: "child", value: n.i });
    if (typeof n === "string") {
      this.cur += n;
      return;
    }
    if (n === null || n === undefined) return;
    const v = n as VNode;
    if (v.tag instanceof Marker) return this.component(v, isRoot);
    this.element(v, isRoot);
  }

  component(v: VNode, isRoot: boolean): void {
    // A root component's `key` keys the template (a list of <${Item} key=${id} />), like an element's.
    const props = this.props(v.props, isRoot);
    let children: Template | null = null;
    if (v.children.length > 0) {
      const sub = new Compiler(this.first);
      for (const child of v.children) sub.node(child, false);
      children = sub.finish();
    }
    this.slot({ kind: "component", tag: (v.tag as Marker).i, props, children });
  }

  element(v: VNode, isRoot: boolean): void {
    const tag = v.tag as string;
    const lower = tag.toLowerCase();
    this.cur += `<${tag}`;
    const props = this.props(v.props, isRoot);
    if (props.some((p) => p.kind === "spread")) {
      // Later attributes win over earlier ones, so with a spread the whole list is one slot.
      this.slot({ kind: "attrs", props });
    } else {
      for (const p of props) this.attribute(p);
    }
    this.cur += ">";
    if (VOID_ELEMENTS.has(lower)) {
      if (v.children.length > 0) throw sbError("SB_ERR_TEMPLATE_VOID_CHILDREN", this.first, tag);
      return;
    }
    for (const child of v.children) this.node(child, false);
    this.cur += `</${tag}>`;
  }

  attribute(p: PropSource): void {
    switch (p.kind) {
      case "static":
        this.cur += p.value === true ? ` ${p.name}` : ` ${p.name}="${p.value.replaceAll('"', "&quot;")}"`;
        return;
      case "value":
        return this.slot({ kind: "attr", name: p.name, value: p.value });
      case "mixed":
        this.cur += ` ${p.name}="`;
        for (const part of p.parts) {
          if (typeof part === "number") this.slot({ kind: "attr-part", value: part });
          else this.cur += part.replaceAll('"', "&quot;");
        }
        this.cur += '"';
        return;
      case "spread":
        return; // handled by the caller
    }
  }

  /** Reads htm's props into sources, taking the root element's `key` aside. */
  props(raw: Record<string, unknown> | null, isRoot: boolean): PropSource[] {
    const out: PropSource[] = [];
    if (!raw) return out;
    for (const [name, value] of Object.entries(raw)) {
      if (name.startsWith(SPREAD_PREFIX)) {
        out.push({ kind: "spread", value: value as number });
        continue;
      }
      if (!attrName.test(name)) throw sbError("SB_ERR_ATTR_NAME", this.first, name);
      if (name === "key") {
        if (isRoot) this.key(value);
        continue;
      }
      if (value instanceof Marker) out.push({ kind: "value", name, value: value.i });
      else if (value === true) out.push({ kind: "static", name, value: true });
      else out.push(this.text(name, String(value)));
    }
    return out;
  }

  key(value: unknown): void {
    if (value instanceof Marker) this.keyValue = value.i;
    else if (typeof value === "string" && !markerInText.test(value)) this.keyStatic = value;
    else throw sbError("SB_ERR_TEMPLATE_SYNTAX", this.first, "a key must be a single value or plain text");
  }

  text(name: string, value: string): PropSource {
    if (!markerInText.test(value)) return { kind: "static", name, value };
    const pieces = value.split(/\uE000(\d+)\uE001/);
    const parts: (string | number)[] = [];
    pieces.forEach((piece, i) => {
      if (i % 2 === 1) parts.push(Number(piece));
      else if (piece !== "") parts.push(piece);
    });
    return { kind: "mixed", name, parts };
  }

  finish(): Template {
    this.parts.push(this.cur);
    return new Template(internStatics(this.parts), this.slots, this.keyValue, this.keyStatic, this.first);
  }
}

function compile(strings: TemplateStringsArray): Template {
  const first = firstLine(strings);
  const markup = checkTemplate(strings);
  const markers = Array.from({ length: strings.length - 1 }, (_, i) => new Marker(i));
  const parsed: unknown = parse(markup as unknown as TemplateStringsArray, ...markers);
  const roots = Array.isArray(parsed) ? parsed : [parsed];
  const compiler = new Compiler(first);
  for (const root of roots) compiler.node(root, roots.length === 1);
  return compiler.finish();
}

const cache = new WeakMap<TemplateStringsArray, Template>();

/** Compiles (once per call site) and returns this call's result. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): TemplateResult {
  let template = cache.get(strings);
  if (!template) {
    template = compile(strings);
    cache.set(strings, template);
  }
  return new TemplateResult(template, values);
}

/** The template a bare string or number gets when it stands as an entry of a list. */
export const TEXT_ENTRY = new Template(internStatics(["", ""]), [{ kind: "child", value: 0 }], -1, undefined, "(text)");

export function assertAttrName(first: string, name: string): void {
  if (!attrName.test(name)) throw sbError("SB_ERR_ATTR_NAME", first, name);
}

export function dynamicTagError(first: string, got: unknown): Error {
  return sbError("SB_ERR_TEMPLATE_DYNAMIC_TAG", first, describe(got));
}
