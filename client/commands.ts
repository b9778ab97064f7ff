// Client-side commands: simple UI changes that need no round trip (show, hide, toggle, classes,
// attributes, focus) and `push`, encoded as JSON in phx-* attributes by the server's JS helper.
// What a command changes is remembered per element and re-applied after every patch, so a
// server update does not undo an open menu.

export type Command = [op: string, args: { to?: string; display?: string; names?: string[]; attr?: [string, string]; event?: string; value?: Record<string, string>; target?: number }];

interface Sticky {
  /** The inline display a show/hide/toggle set ("none" when hidden). */
  display?: string;
  add: Set<string>;
  remove: Set<string>;
  attrs: Map<string, string | null>;
}

const sticky = new WeakMap<Element, Sticky>();

function state(el: Element): Sticky {
  let s = sticky.get(el);
  if (!s) sticky.set(el, (s = { add: new Set(), remove: new Set(), attrs: new Map() }));
  return s;
}

function targets(source: Element, to?: string): Element[] {
  return to ? Array.from(document.querySelectorAll(to)) : [source];
}

/** A binding holding a command list (JSON) rather than an event name; "[]" is an empty list. */
export function isCommands(value: string | null): value is string {
  return !!value && value.startsWith("[");
}

/** Runs commands; `push` is handed to the caller (it needs the view). */
export function exec(json: string, source: Element, push: (event: string, value: Record<string, string> | undefined, target: number | undefined) => void): void {
  for (const [op, args] of JSON.parse(json) as Command[]) {
    if (op === "push") {
      push(args.event!, args.value, args.target);
      continue;
    }
    for (const el of targets(source, args.to)) {
      const s = state(el);
      if (op === "show" || op === "hide" || op === "toggle") {
        const hide = op === "toggle" ? !isHidden(el) : op === "hide";
        s.display = hide ? "none" : (args.display ?? "block");
      } else if (op === "add_class" || op === "remove_class" || op === "toggle_class") {
        for (const name of args.names ?? []) {
          const add = op === "toggle_class" ? !el.classList.contains(name) : op === "add_class";
          (add ? s.add : s.remove).add(name);
          (add ? s.remove : s.add).delete(name);
        }
      } else if (op === "set_attr" || op === "remove_attr") {
        s.attrs.set(args.attr![0], op === "set_attr" ? args.attr![1] : null);
      } else if (op === "focus") {
        (el as HTMLElement).focus();
        continue;
      }
      reapply(el, el);
    }
  }
}

function isHidden(el: Element): boolean {
  return getComputedStyle(el).display === "none";
}

/** Applies what commands did to `from` onto `to` (the element about to replace it in a patch). */
export function reapply(from: Element, to: Element): void {
  const s = sticky.get(from);
  if (!s) return;
  if (s.display !== undefined) (to as HTMLElement).style.display = s.display;
  for (const name of s.add) to.classList.add(name);
  for (const name of s.remove) to.classList.remove(name);
  for (const [name, value] of s.attrs) value === null ? to.removeAttribute(name) : to.setAttribute(name, value);
}
