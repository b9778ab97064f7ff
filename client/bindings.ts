// The phx-* bindings: one delegated listener per DOM event on the document, which finds the bound
// element and its view and pushes the event (with phx-value-* values, form values, the key), after
// phx-debounce / phx-throttle; JSON command lists in a binding run on the client instead.

import { exec, isCommands } from "./commands.ts";
import { serializeForm } from "./form.ts";
import type { LiveClient } from "./index.ts";
import type { View } from "./view.ts";

type Values = Record<string, string>;

const TEXTUAL = /^(text|search|email|password|number|tel|url)$/;
const textual = (el: Element) => el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && TEXTUAL.test((el as HTMLInputElement).type));

function phxValues(el: Element): Values {
  const values: Values = {};
  for (const attr of Array.from(el.attributes)) if (attr.name.startsWith("phx-value-")) values[attr.name.slice(10)] = attr.value;
  return values;
}

const timers = new WeakMap<Element, { timer?: ReturnType<typeof setTimeout>; last?: number; pending?: () => void }>();

/** Runs `send` now, or later as phx-debounce / phx-throttle on `el` ask. */
function limited(el: Element, send: () => void): void {
  const debounce = el.getAttribute("phx-debounce");
  const throttle = el.getAttribute("phx-throttle");
  let t = timers.get(el);
  if (!t) timers.set(el, (t = {}));
  const state = t;
  if (!debounce && !throttle) {
    clearTimeout(state.timer);
    state.timer = state.pending = undefined;
    return send();
  }
  if (debounce === "blur") {
    state.pending = send;
    return;
  }
  if (debounce) {
    clearTimeout(state.timer);
    state.pending = send;
    state.timer = setTimeout(() => {
      state.pending = undefined;
      send();
    }, Number(debounce) || 300);
    return;
  }
  // Throttle: at once, then at most once per interval, the last call sent at its end.
  const ms = Number(throttle) || 300;
  const now = Date.now();
  if (state.last === undefined || now - state.last >= ms) {
    state.last = now;
    return send();
  }
  state.pending = send;
  state.timer ??= setTimeout(() => {
    state.timer = undefined;
    state.last = Date.now();
    const pending = state.pending;
    state.pending = undefined;
    pending?.();
  }, ms - (now - state.last));
}

/** Sends any debounced event waiting on `el` now (a submit flushes its form's changes). */
function flushPending(el: Element): void {
  const t = timers.get(el);
  if (!t?.pending) return;
  clearTimeout(t.timer);
  // A throttle's trailing timer is gone with it: the next throttled call must start a new one.
  t.timer = undefined;
  const pending = t.pending;
  t.pending = undefined;
  pending();
}

export function bind(client: LiveClient): void {
  const run = (view: View, el: Element, binding: string, type: string, value: unknown): void => {
    const attr = el.getAttribute(binding)!;
    if (isCommands(attr)) {
      exec(attr, el, (event, extra, target) => view.push(type, el, event, { ...(value as Values), ...extra }, target));
    } else {
      view.push(type, el, attr, value);
    }
  };
  const bound = (target: EventTarget | null, binding: string): [Element, View] | null => {
    const el = target instanceof Element ? target.closest(`[${binding}]`) : null;
    const view = el && client.viewOf(el);
    return el && view ? [el, view] : null;
  };

  document.addEventListener("click", (e) => {
    const link = e.target instanceof Element ? e.target.closest<HTMLAnchorElement>("a[data-phx-link]") : null;
    if (link && !e.defaultPrevented && e.button === 0 && !(e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)) {
      e.preventDefault();
      return client.follow(link.href, link.getAttribute("data-phx-link") === "patch", link.getAttribute("data-phx-link-state") === "replace");
    }
    const hit = bound(e.target, "phx-click");
    if (hit) {
      const [el, view] = hit;
      if (el.tagName === "A" || el.closest("form")) e.preventDefault();
      limited(el, () => run(view, el, "phx-click", "click", phxValues(el)));
    }
    for (const el of Array.from(document.querySelectorAll("[phx-click-away]"))) {
      const view = client.viewOf(el);
      if (view && !el.contains(e.target as Node) && el.getClientRects().length > 0) run(view, el, "phx-click-away", "click", phxValues(el));
    }
  });

  document.addEventListener("submit", (e) => {
    const hit = bound(e.target, "phx-submit");
    if (!hit) return;
    e.preventDefault();
    const [form, view] = hit as [HTMLFormElement, View];
    if (view.locked(form)) return;
    for (const field of Array.from(form.elements)) flushPending(field);
    flushPending(form);
    run(view, form, "phx-submit", "submit", serializeForm(form, {}, (e as SubmitEvent).submitter));
  });

  const change = (e: Event) => {
    const input = e.target as HTMLInputElement;
    if (!(input instanceof Element) || (!input.name && !input.hasAttribute("phx-change"))) return;
    // The input's own phx-change wins over its form's.
    const hit = input.hasAttribute("phx-change") ? ([input, client.viewOf(input)] as const) : bound(input.form, "phx-change");
    if (!hit || !hit[1]) return;
    const [el, view] = hit;
    // Text fields report every keystroke ("input"); boxes, radios and selects their "change".
    if ((e.type === "input") !== textual(input)) return;
    const form = el instanceof HTMLFormElement ? el : input.form;
    const value = form ? serializeForm(form, { _target: input.name }) : new URLSearchParams({ [input.name || "value"]: input.value, _target: input.name }).toString();
    limited(input, () => run(view!, el, "phx-change", "change", value));
  };
  document.addEventListener("input", change);
  document.addEventListener("change", change);

  for (const type of ["keydown", "keyup"] as const) {
    document.addEventListener(type, (e) => {
      const key = (e as KeyboardEvent).key;
      // Chrome's autofill fires keydown events without a key.
      if (typeof key !== "string") return;
      const matches = (el: Element) => {
        const filter = el.getAttribute("phx-key");
        return !filter || filter.toLowerCase() === key.toLowerCase();
      };
      const hit = bound(e.target, `phx-${type}`);
      if (hit && matches(hit[0])) limited(hit[0], () => run(hit[1], hit[0], `phx-${type}`, type, { key, ...phxValues(hit[0]) }));
      for (const el of Array.from(document.querySelectorAll(`[phx-window-${type}]`))) {
        const view = client.viewOf(el);
        if (view && matches(el)) limited(el, () => run(view, el, `phx-window-${type}`, type, { key, ...phxValues(el) }));
      }
    });
  }

  for (const [dom, name] of [["focusin", "focus"], ["focusout", "blur"]] as const) {
    document.addEventListener(dom, (e) => {
      // Leaving a debounced field sends its pending event now (phx-debounce="blur" waits for this).
      if (name === "blur" && e.target instanceof Element && e.target.hasAttribute("phx-debounce")) flushPending(e.target);
      const hit = bound(e.target, `phx-${name}`);
      if (hit && hit[0] === e.target) run(hit[1], hit[0], `phx-${name}`, name, phxValues(hit[0]));
    });
  }
  for (const [dom, name] of [["focus", "focus"], ["blur", "blur"]] as const) {
    window.addEventListener(dom, (e) => {
      if (e.target !== window) return;
      for (const el of Array.from(document.querySelectorAll(`[phx-window-${name}]`))) {
        const view = client.viewOf(el);
        if (view) run(view, el, `phx-window-${name}`, name, phxValues(el));
      }
    });
  }

  window.addEventListener("popstate", () => client.popstate());
}
