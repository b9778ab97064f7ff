// The harness's view of the rendered HTML: parsed with cheerio (htmlparser2 + css-select), queried
// with real CSS selectors, and read the way a browser would read bindings and form fields.

import * as cheerio from "cheerio";
import type { AnyNode, Element } from "domhandler";
import { sbError } from "../switchboard/errors.ts";

export type Doc = cheerio.CheerioAPI;
export type Node = cheerio.Cheerio<Element>;

export function parse(html: string): Doc {
  return cheerio.load(html, null, false);
}

/** Elements matching `selector` whose text contains `text` (or matches it, for a RegExp). */
export function select(doc: Doc, selector: string, text?: string | RegExp): Node {
  let found: Node;
  try {
    found = doc(selector) as Node;
  } catch (cause) {
    throw sbError("SB_ERR_TEST_SELECTOR", selector, (cause as Error).message);
  }
  if (text === undefined) return found;
  return found.filter((_, el) => {
    const content = doc(el).text();
    return typeof text === "string" ? content.includes(text) : text.test(content);
  });
}

/** Exactly one element, or an error that says how many matched. */
export function one(doc: Doc, selector: string, text?: string | RegExp): Node {
  const found = select(doc, selector, text);
  const label = text === undefined ? selector : `${selector} with text ${String(text)}`;
  if (found.length !== 1) throw sbError("SB_ERR_TEST_ELEMENT", label, found.length);
  return found;
}

/** phx-value-* attributes, as the client sends them. */
export function phxValues(node: Node): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(node.attr() ?? {})) if (name.startsWith("phx-value-")) values[name.slice(10)] = value;
  return values;
}

/** The component id from phx-target on the element or an ancestor. */
export function targetOf(node: Node): number | undefined {
  const target = node.closest("[phx-target]").attr("phx-target");
  const cid = target ? Number(target) : NaN;
  return Number.isInteger(cid) && cid > 0 ? cid : undefined;
}

export interface FormField {
  name: string;
  type: string;
  /** The value a browser would submit, or null when it submits none (unchecked, disabled, button). */
  values: string[];
}

/** A form's fields as a browser would submit them (before the test changes any). */
export function formFields(doc: Doc, form: Node): FormField[] {
  const fields: FormField[] = [];
  form.find("input, select, textarea, button").each((_, raw: AnyNode) => {
    const el = doc(raw as Element);
    const name = el.attr("name");
    if (!name) return;
    const tag = (raw as Element).tagName.toLowerCase();
    const type = tag === "input" ? (el.attr("type") ?? "text").toLowerCase() : tag;
    const disabled = el.attr("disabled") !== undefined || el.closest("fieldset[disabled]").length > 0;
    let values: string[] = [];
    if (disabled || tag === "button" || ["submit", "button", "reset", "image", "file"].includes(type)) values = [];
    else if (type === "checkbox" || type === "radio") values = el.attr("checked") !== undefined ? [el.attr("value") ?? "on"] : [];
    else if (tag === "select") {
      const options = el.find("option");
      const selected = options.filter((_, o) => doc(o).attr("selected") !== undefined);
      const chosen = selected.length > 0 ? selected : el.attr("multiple") === undefined ? options.first() : selected;
      values = chosen.toArray().map((o) => doc(o).attr("value") ?? doc(o).text());
    } else if (tag === "textarea") values = [el.text()];
    else values = [el.attr("value") ?? ""];
    fields.push({ name, type, values });
  });
  return fields;
}
