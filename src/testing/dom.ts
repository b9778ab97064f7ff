// The harness's view of the rendered HTML: parsed with htmlparser2 (as a browser would, in HTML
// mode), queried with real CSS selectors by css-select (compiled once per selector), and read the
// way a browser reads bindings and form fields.

import { compile, selectAll } from "css-select";
import render from "dom-serializer";
import { isTag, type AnyNode, type Document, type Element } from "domhandler";
import { textContent } from "domutils";
import { parseDocument } from "htmlparser2";
import { sbError } from "../switchboard/errors.ts";

export type Doc = Document;
export type Node = Element;

export function parse(html: string): Doc {
  return parseDocument(html);
}

const queries = new Map<string, ReturnType<typeof compile<unknown, Element>>>();

function query(selector: string): ReturnType<typeof compile<unknown, Element>> {
  let compiled = queries.get(selector);
  if (!compiled) {
    try {
      compiled = compile<unknown, Element>(selector);
    } catch (cause) {
      throw sbError("SB_ERR_TEST_SELECTOR", selector, (cause as Error).message);
    }
    if (queries.size >= 1000) queries.clear();
    queries.set(selector, compiled);
  }
  return compiled;
}

/** Elements under `root` matching `selector` whose text contains `text` (or matches it, for a RegExp). */
export function select(root: Doc | Node, selector: string, text?: string | RegExp): Node[] {
  const found = selectAll<unknown, Element>(query(selector), root);
  if (text === undefined) return found;
  return found.filter((el) => {
    const content = textContent(el);
    return typeof text === "string" ? content.includes(text) : text.test(content);
  });
}

/** Exactly one element, or an error that says how many matched. */
export function one(root: Doc | Node, selector: string, text?: string | RegExp): Node {
  const found = select(root, selector, text);
  if (found.length !== 1) throw sbError("SB_ERR_TEST_ELEMENT", text === undefined ? selector : `${selector} with text ${String(text)}`, found.length);
  return found[0]!;
}

/** An element's HTML, or its content's when `inner`. */
export function html(node: Node, inner = false): string {
  return render(inner ? node.children : node, { decodeEntities: true, encodeEntities: "utf8" });
}

export function text(node: Node): string {
  return textContent(node);
}

/** The nearest element, from `node` up, that has `attribute`. */
export function closest(node: Node, attribute: string): Node | null {
  for (let el: AnyNode | null = node; el; el = el.parent) {
    if (isTag(el) && el.attribs[attribute] !== undefined) return el;
  }
  return null;
}

/** phx-value-* attributes, as the client sends them. */
export function phxValues(node: Node): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name in node.attribs) if (name.startsWith("phx-value-")) values[name.slice(10)] = node.attribs[name]!;
  return values;
}

/** The component id from phx-target on the element or an ancestor. */
export function targetOf(node: Node): number | undefined {
  const target = closest(node, "phx-target")?.attribs["phx-target"];
  const cid = target ? Number(target) : NaN;
  return Number.isInteger(cid) && cid > 0 ? cid : undefined;
}

export interface FormField {
  name: string;
  type: string;
  /** The values a browser would submit: none when unchecked, disabled or a button. */
  values: string[];
}

/** A form's fields as a browser would submit them (before the test changes any). */
export function formFields(form: Node): FormField[] {
  const fields: FormField[] = [];
  for (const el of select(form, "input, select, textarea, button")) {
    const name = el.attribs.name;
    if (!name) continue;
    const tag = el.name.toLowerCase();
    const type = tag === "input" ? (el.attribs.type ?? "text").toLowerCase() : tag;
    const disabled = el.attribs.disabled !== undefined || inDisabledFieldset(el);
    let values: string[] = [];
    if (disabled || tag === "button" || ["submit", "button", "reset", "image", "file"].includes(type)) values = [];
    else if (type === "checkbox" || type === "radio") values = el.attribs.checked !== undefined ? [el.attribs.value ?? "on"] : [];
    else if (tag === "select") {
      const options = select(el, "option");
      const selected = options.filter((o) => o.attribs.selected !== undefined);
      const chosen = selected.length > 0 ? selected : el.attribs.multiple === undefined ? options.slice(0, 1) : [];
      values = chosen.map((o) => o.attribs.value ?? textContent(o));
    } else if (tag === "textarea") values = [textContent(el)];
    else values = [el.attribs.value ?? ""];
    fields.push({ name, type, values });
  }
  return fields;
}

function inDisabledFieldset(el: Node): boolean {
  for (let p = el.parent; p; p = p.parent) {
    if (isTag(p) && p.name === "fieldset" && p.attribs.disabled !== undefined) return true;
  }
  return false;
}
