// Client-side commands for phx-* attributes: UI changes the browser makes at once, with no round
// trip (show, hide, toggle, classes, attributes, focus), and `push` for a server event among them.
// Immutable and chainable: phx-click=${JS.toggle({ to: "#menu" }).push("opened")}.

type Args = { to?: string; display?: string; names?: string[]; attr?: [string, string]; event?: string; value?: Record<string, string>; target?: number };
type Op = [string, Args];

interface Target {
  /** A CSS selector; the element carrying the binding when absent. */
  to?: string;
}

const classes = (names: string | string[]) => (Array.isArray(names) ? names : names.split(/\s+/).filter(Boolean));

export class JS {
  readonly ops: readonly Op[];

  constructor(ops: readonly Op[] = []) {
    this.ops = ops;
  }

  #with(op: string, args: Args): JS {
    // Copied: mutating the caller's options object later must not change this command list.
    return new JS([...this.ops, [op, { ...args }]]);
  }

  show(options: Target & { display?: string } = {}): JS {
    return this.#with("show", options);
  }

  hide(options: Target = {}): JS {
    return this.#with("hide", options);
  }

  toggle(options: Target & { display?: string } = {}): JS {
    return this.#with("toggle", options);
  }

  addClass(names: string | string[], options: Target = {}): JS {
    return this.#with("add_class", { ...options, names: classes(names) });
  }

  removeClass(names: string | string[], options: Target = {}): JS {
    return this.#with("remove_class", { ...options, names: classes(names) });
  }

  toggleClass(names: string | string[], options: Target = {}): JS {
    return this.#with("toggle_class", { ...options, names: classes(names) });
  }

  setAttribute(name: string, value: string, options: Target = {}): JS {
    return this.#with("set_attr", { ...options, attr: [name, value] });
  }

  removeAttribute(name: string, options: Target = {}): JS {
    return this.#with("remove_attr", { ...options, attr: [name, ""] });
  }

  focus(options: Target = {}): JS {
    return this.#with("focus", options);
  }

  /** A server event, sent like the binding's own would be (with phx-value-* plus `value`). */
  push(event: string, options: { value?: Record<string, string>; target?: number } = {}): JS {
    return this.#with("push", { event, ...options });
  }

  toString(): string {
    return JSON.stringify(this.ops);
  }

  static show = (options?: Target & { display?: string }) => new JS().show(options);
  static hide = (options?: Target) => new JS().hide(options);
  static toggle = (options?: Target & { display?: string }) => new JS().toggle(options);
  static addClass = (names: string | string[], options?: Target) => new JS().addClass(names, options);
  static removeClass = (names: string | string[], options?: Target) => new JS().removeClass(names, options);
  static toggleClass = (names: string | string[], options?: Target) => new JS().toggleClass(names, options);
  static setAttribute = (name: string, value: string, options?: Target) => new JS().setAttribute(name, value, options);
  static removeAttribute = (name: string, options?: Target) => new JS().removeAttribute(name, options);
  static focus = (options?: Target) => new JS().focus(options);
  static push = (event: string, options?: { value?: Record<string, string>; target?: number }) => new JS().push(event, options);
}
