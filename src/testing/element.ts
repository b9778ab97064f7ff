// Element and form handles: what a user does to one element of the view, turned into the event a
// browser's client would send for it — only if the element carries the binding, with its
// phx-value-* values and phx-target, and for forms only with fields the form really has.

import { sbError } from "../switchboard/errors.ts";
import { formFields, html, one, phxValues, targetOf, text, type Node } from "./dom.ts";
import type { TestView } from "./test-view.ts";

type Values = Record<string, unknown>;

/** Pushes the events a binding names: an event name, or the `push` commands of a JS command list. */
async function fire(view: TestView, node: Node, binding: string, type: string, value: Values): Promise<string> {
  const attr = node.attribs[binding]!;
  const cid = targetOf(node);
  if (!attr.startsWith("[[")) return (await view.pushEvent(type, attr, value, cid)).html;
  // Client-side commands run in the browser; only their pushes reach the server.
  for (const [op, args] of JSON.parse(attr) as [string, { event?: string; value?: Values; target?: number }][]) {
    if (op === "push") await view.pushEvent(type, args.event!, { ...value, ...args.value }, args.target ?? cid);
  }
  return view.render();
}

export class ElementHandle {
  readonly view: TestView;
  readonly selector: string;
  readonly text: string | RegExp | undefined;

  constructor(view: TestView, selector: string, text?: string | RegExp) {
    this.view = view;
    this.selector = selector;
    this.text = text;
  }

  get label(): string {
    return this.text === undefined ? this.selector : `${this.selector} (${String(this.text)})`;
  }

  /** The one element the selector (and text filter) matches now; SB_ERR_TEST_ELEMENT otherwise. */
  node(): Node {
    return one(this.view.doc(), this.selector, this.text);
  }

  /** This element's HTML. */
  render(): string {
    return html(this.node());
  }

  /** This element's text content. */
  textContent(): string {
    return text(this.node());
  }

  /** One of its attributes (undefined when absent). */
  attr(name: string): string | undefined {
    return this.node().attribs[name];
  }

  #bound(binding: string): Node {
    const node = this.node();
    if (node.attribs[binding] === undefined) throw sbError("SB_ERR_TEST_BINDING", this.label, binding);
    return node;
  }

  // Every action is async: a missing element or binding rejects, like the server's refusals do.

  /** Clicks (phx-click); `values` are added to its phx-value-* values. Resolves with the view's HTML. */
  async click(values: Values = {}): Promise<string> {
    const node = this.#bound("phx-click");
    return fire(this.view, node, "phx-click", "click", { ...phxValues(node), ...values });
  }

  /** A key pressed (phx-keydown or phx-window-keydown); a phx-key filter lets only that key through. */
  async keydown(key: string, values: Values = {}): Promise<string> {
    return this.#key("keydown", key, values);
  }

  async keyup(key: string, values: Values = {}): Promise<string> {
    return this.#key("keyup", key, values);
  }

  async #key(type: "keydown" | "keyup", key: string, values: Values): Promise<string> {
    const node = this.node();
    const binding = node.attribs[`phx-${type}`] !== undefined ? `phx-${type}` : `phx-window-${type}`;
    if (node.attribs[binding] === undefined) throw sbError("SB_ERR_TEST_BINDING", this.label, `phx-${type}`);
    const filter = node.attribs["phx-key"];
    if (filter && filter.toLowerCase() !== key.toLowerCase()) return this.view.render();
    return fire(this.view, node, binding, type, { key, ...phxValues(node), ...values });
  }

  async blur(values: Values = {}): Promise<string> {
    const node = this.#bound("phx-blur");
    return fire(this.view, node, "phx-blur", "blur", { ...phxValues(node), ...values });
  }

  async focus(values: Values = {}): Promise<string> {
    const node = this.#bound("phx-focus");
    return fire(this.view, node, "phx-focus", "focus", { ...phxValues(node), ...values });
  }
}

export class FormHandle {
  readonly view: TestView;
  readonly selector: string;
  readonly values: Values;

  constructor(view: TestView, selector: string, values: Values) {
    this.view = view;
    this.selector = selector;
    this.values = values;
  }

  /** phx-change, as typing into the fields would send it; `_target` names the last field set. */
  async change(extra: Values = {}): Promise<string> {
    return this.#send("phx-change", extra, true);
  }

  /** phx-submit with the form's values. */
  async submit(extra: Values = {}): Promise<string> {
    return this.#send("phx-submit", extra, false);
  }

  /** The URL-encoded body the browser would send: the form's own values, with the test's in their place. */
  encode(extra: Values = {}, change = false): string {
    const form = one(this.view.doc(), this.selector);
    const fields = formFields(form);
    const given = { ...this.values, ...extra };
    const pairs = new Map<string, string[]>(fields.filter((f) => f.values.length > 0).map((f) => [f.name, []]));
    for (const field of fields) pairs.get(field.name)?.push(...field.values);
    const names = new Set(fields.map((f) => f.name));
    let target: string | undefined;
    for (const [key, value] of Object.entries(given)) {
      if (key === "_target") continue;
      const name = names.has(key) ? key : names.has(`${key}[]`) ? `${key}[]` : null;
      if (!name) throw sbError("SB_ERR_TEST_FORM_FIELD", this.selector, key, [...names].map((n) => JSON.stringify(n)).join(", ") || "none");
      const list = Array.isArray(value) ? value : [value];
      const checkbox = fields.some((f) => f.name === name && (f.type === "checkbox" || f.type === "radio"));
      const strings = list.filter((v) => v !== false && v !== null && v !== undefined).map((v) => (v === true ? "on" : String(v)));
      if (strings.length === 0 && checkbox) pairs.delete(name);
      else pairs.set(name, strings);
      target = name;
    }
    const params = new URLSearchParams();
    for (const [name, list] of pairs) for (const value of list) params.append(name, value);
    if (change) {
      const explicit = given._target;
      if (explicit !== undefined || target !== undefined) params.append("_target", String(explicit ?? target));
    }
    return params.toString();
  }

  async #send(binding: string, extra: Values, change: boolean): Promise<string> {
    const form = one(this.view.doc(), this.selector);
    if (form.attribs[binding] === undefined) throw sbError("SB_ERR_TEST_BINDING", this.selector, binding);
    const body = this.encode(extra, change);
    return (await this.view.pushEvent("form", form.attribs[binding]!, body, targetOf(form))).html;
  }
}
