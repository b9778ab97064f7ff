// One live view instance: its assigns and change tracking, its stateful components, what it asked
// for during a callback (navigation, pushed events, title, flash), and its rendering: the full
// HTML for the HTTP render, and for a connected view the diff against what the client holds.

import { DiffContext, diffShared, diffNode, full, sharedChanges, sharedJSON, type SharedChanges } from "./diff.ts";
import { sbError } from "./errors.ts";
import type { Endpoint } from "./endpoint.ts";
import type { LiveComponent, ComponentSocket } from "./live-component.ts";
import type { AsyncOutcome, EventResult, EventValue, Flash, LiveSocket, LiveView, NavigateOptions, Params } from "./live-view.ts";
import { COMPONENTS, EVENTS, REMOVED_COMPONENTS, TITLE, type WireDiff, type WireNode } from "./protocol.ts";
import type { Message } from "./pubsub.ts";
import { build, ComponentCall, sharedBelow, unionShared, withComponents, type ComponentHost, type Rendered } from "./rendered.ts";
import { render } from "./render.ts";
import { TemplateResult } from "./template.ts";

export type Navigation =
  | { kind: "patch"; to: string; replace: boolean }
  | { kind: "navigate"; to: string; replace: boolean }
  | { kind: "redirect"; to: string };

/** What the instance needs from the process that runs it (absent for the HTTP render). */
export interface InstanceHost {
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Queues work in the view's mailbox. */
  enqueue(task: () => unknown): void;
  /** Runs after queued work that changed state, to send the diff. */
  flush(): void | Promise<void>;
  readonly self: object;
}

interface ComponentEntry {
  readonly cid: number;
  readonly component: LiveComponent<any, any, any>;
  readonly key: string | number;
  readonly parent: number;
  readonly socket: ComponentSocketImpl;
  rendered: Rendered | null;
  sent: Rendered | null;
  seen: boolean;
}

class ComponentSocketImpl implements ComponentSocket<any> {
  readonly cid: number;
  readonly #instance: LiveInstance<any>;
  assigns: Record<string, unknown> = {};
  changed = true;

  constructor(cid: number, instance: LiveInstance<any>) {
    this.cid = cid;
    this.#instance = instance;
  }

  assign(values: Record<string, unknown>): void {
    const next = copyAssigns(this.assigns);
    for (const key of Object.keys(values)) {
      if (next[key] !== values[key]) {
        next[key] = values[key];
        this.changed = true;
      }
    }
    this.assigns = next;
  }

  update(key: PropertyKey, fn: (value: any) => unknown): void {
    this.assign({ [key]: fn(this.assigns[key as string]) });
  }

  pushEvent(event: string, payload: Record<string, unknown>): void {
    this.#instance.socket.pushEvent(event, payload);
  }

  sendParent(event: string, payload?: unknown): void {
    this.#instance.socket.sendInfo(event, payload);
  }
}

export interface InstanceOptions {
  id: string;
  session: Record<string, unknown>;
  url: URL;
  flash: Flash;
  host: InstanceHost | null;
  /** The HTTP render of a request that created the session. */
  newSession?: boolean;
}

export class LiveInstance<A extends object> implements ComponentHost {
  readonly endpoint: Endpoint;
  readonly view: LiveView<A, any>;
  readonly socket: LiveSocketImpl<A>;
  readonly host: InstanceHost | null;
  /** Per connection: which statics the client holds. */
  readonly diffs = new DiffContext();
  changed = true;
  title: string | null;
  titleChanged = false;
  flash: Flash;
  /** Events pushed to the client since the last diff (null: none). */
  events: [string, unknown][] | null = null;
  navigation: Navigation | null = null;
  #root: Rendered | null = null;
  #sentRoot: Rendered | null = null;
  /** The shared components (keyed memo nodes) the client holds, by id. */
  #sentShared: ReadonlyMap<number, Rendered> | null = null;
  // Made on first use: most views of a busy page place few components and set no timers.
  #components: Map<number, ComponentEntry> = NO_COMPONENTS;
  /** Components by definition and key, once there are more than a scan of #components suits. */
  #componentKeys: Map<LiveComponent<any, any, any>, Map<string | number, ComponentEntry>> | null = null;
  #nextCid = 1;
  /** Components the client holds that are gone since the last diff (null: none). */
  #removed: number[] | null = null;
  #renderingParent = 0;
  #timers: Set<NodeJS.Timeout> | null = null;
  #tasks: Set<Promise<void>> | null = null;
  #stopped = false;
  readonly #newSession: boolean;

  constructor(endpoint: Endpoint, view: LiveView<A, any>, options: InstanceOptions) {
    this.endpoint = endpoint;
    this.view = view;
    this.host = options.host;
    this.title = view.title ?? null;
    this.flash = options.flash;
    this.socket = new LiveSocketImpl(this, options);
    this.#newSession = options.newSession === true;
  }

  /** startAsync tasks under way (the test harness's settle() waits for them). */
  get tasks(): ReadonlySet<Promise<void>> {
    return this.#tasks ?? NO_TASKS;
  }

  runningTasks(): Set<Promise<void>> {
    return (this.#tasks ??= new Set());
  }

  async mount(params: Params): Promise<void> {
    const socket = this.socket;
    const newSession = this.#newSession;
    await this.view.mount({ params, session: socket.session, newSession, get url() { return socket.url; } }, socket);
    if (!this.navigation && this.view.handleParams) await this.view.handleParams(params, socket.url, socket);
  }

  /** A client event for the view, or for the component with id `cid`. */
  /** A promise only when the handler returned one. */
  event(name: string, value: EventValue, cid: number | null): EventResult | Promise<EventResult> {
    if (cid !== null) {
      const entry = this.#components.get(cid);
      if (!entry) throw sbError("SB_ERR_UNKNOWN_COMPONENT", cid);
      const handler = ownHandler(entry.component.handleEvent, name);
      if (!handler) throw sbError("SB_ERR_UNKNOWN_EVENT", name, "this component");
      return handler(value, entry.socket);
    }
    const handler = ownHandler(this.view.handleEvent, name);
    if (!handler) throw sbError("SB_ERR_UNKNOWN_EVENT", name, "this view");
    return handler(value, this.socket);
  }

  hasEvent(name: string, cid: number | null): boolean {
    if (cid === null) return ownHandler(this.view.handleEvent, name) !== null;
    const entry = this.#components.get(cid);
    return !!entry && ownHandler(entry.component.handleEvent, name) !== null;
  }

  hasComponent(cid: number): boolean {
    return this.#components.has(cid);
  }

  /** The view's handleInfo: a promise only when the handler returned one. */
  info(message: Message): void | Promise<void> {
    return this.view.handleInfo?.(message, this.socket);
  }

  async params(url: URL, params: Params): Promise<void> {
    this.socket.url = url;
    await this.view.handleParams?.(params, url, this.socket);
  }

  sendUpdate(component: LiveComponent<any, any, any>, id: string | number, props: object): void {
    const entry = this.#keyed(component, id);
    if (!entry) return;
    if (component.update) component.update({ ...entry.socket.assigns, ...props }, entry.socket);
    else entry.socket.assign(props as Record<string, unknown>);
  }

  // ---- Rendering ---------------------------------------------------------------------------

  /** Re-renders what changed; returns the root. */
  #renderRoot(): Rendered {
    if (this.changed || !this.#root) {
      this.changed = false;
      this.#root = this.#renderWithin(0, () => this.view.render(this.socket.assigns, { flash: this.flash }));
    }
    for (const entry of this.#components.values()) {
      if (entry.socket.changed) this.#renderComponent(entry);
    }
    return this.#root;
  }

  #renderComponent(entry: ComponentEntry): void {
    entry.socket.changed = false;
    entry.rendered = this.#renderWithin(entry.cid, () =>
      entry.component.render(entry.socket.assigns, { flash: this.flash, myself: entry.cid }),
    );
  }

  /** Builds a template with this instance resolving components, then drops the ones it no longer places. */
  #renderWithin(parent: number, renderFn: () => TemplateResult): Rendered {
    const previous = this.#renderingParent;
    this.#renderingParent = parent;
    for (const entry of this.#components.values()) if (entry.parent === parent) entry.seen = false;
    try {
      const result = renderFn();
      if (!(result instanceof TemplateResult)) throw sbError("SB_ERR_RENDER_RESULT", describeResult(result));
      return withComponents(this, () => build(result));
    } finally {
      this.#renderingParent = previous;
      for (const entry of [...this.#components.values()]) if (entry.parent === parent && !entry.seen) this.#destroy(entry);
    }
  }

  #destroy(entry: ComponentEntry): void {
    this.#components.delete(entry.cid);
    // The client holds the components it was sent: tell it to drop this one.
    if (entry.sent) (this.#removed ??= []).push(entry.cid);
    this.#componentKeys?.get(entry.component)?.delete(entry.key);
    for (const child of [...this.#components.values()]) if (child.parent === entry.cid) this.#destroy(child);
  }

  /** ComponentHost: places a component while a template is built, returning its id. */
  resolve(call: ComponentCall): number {
    const component = call.component as LiveComponent<any, any, any>;
    const props = call.props as Record<string, unknown> & { id: string | number };
    if (this.#components === NO_COMPONENTS) this.#components = new Map();
    let entry = this.#keyed(component, props.id);
    if (!entry) {
      const cid = this.#nextCid++;
      entry = { cid, component, key: props.id, parent: this.#renderingParent, socket: new ComponentSocketImpl(cid, this), rendered: null, sent: null, seen: true };
      this.#components.set(cid, entry);
      this.#index(entry);
      component.mount?.(entry.socket);
    }
    entry.seen = true;
    if (component.update) component.update(props, entry.socket);
    else entry.socket.assign(props);
    if (entry.socket.changed || !entry.rendered) this.#renderComponent(entry);
    return entry.cid;
  }

  /** The placed component of this definition and key, if any. */
  #keyed(component: LiveComponent<any, any, any>, key: string | number): ComponentEntry | undefined {
    if (this.#componentKeys) return this.#componentKeys.get(component)?.get(key);
    for (const entry of this.#components.values()) if (entry.component === component && sameKey(entry.key, key)) return entry;
    return undefined;
  }

  /** Adds a new component to the key index, made once the view holds more than SCANNED_COMPONENTS. */
  #index(entry: ComponentEntry): void {
    if (!this.#componentKeys) {
      if (this.#components.size <= SCANNED_COMPONENTS) return;
      this.#componentKeys = new Map();
      for (const each of this.#components.values()) this.#index(each);
      return;
    }
    let byKey = this.#componentKeys.get(entry.component);
    if (!byKey) this.#componentKeys.set(entry.component, (byKey = new Map()));
    byKey.set(entry.key, entry);
  }

  /** ComponentHost: the rendered tree of a component, for the full HTML. */
  rendered(cid: number): Rendered {
    const entry = this.#components.get(cid);
    if (!entry?.rendered) throw sbError("SB_ERR_UNKNOWN_COMPONENT", cid);
    return entry.rendered;
  }

  /** The full HTML of the view's content (the HTTP render). */
  html(): string {
    return render(this.#renderRoot(), this);
  }

  /** The first diff of a connection: everything, statics included. */
  fullDiff(): WireDiff {
    this.#sentRoot = null;
    this.#sentShared = null;
    this.#removed = null;
    for (const entry of this.#components.values()) entry.sent = null;
    this.titleChanged = this.title !== null;
    return this.pendingDiff() ?? {};
  }

  /** What the client needs since the last diff (null when nothing changed), and clears pending work. */
  pendingDiff(): WireDiff | null {
    const pending = this.#pending();
    return pending && assemble(pending);
  }

  /**
   * pendingDiff() as JSON. When all that changed is shared components that other sessions sent
   * too (a stock change on a catalog page), it is the one string made for all of them.
   */
  pendingDiffJSON(): string | null {
    const pending = this.#pending();
    if (pending === null) return null;
    const { out, shared } = pending;
    if (shared !== null && out === null && pending.components === null && pending.removed === null && pending.templates === null && pending.title === null && pending.events === null) {
      return sharedJSON(shared);
    }
    return JSON.stringify(assemble(pending));
  }

  #pending(): Pending | null {
    const root = this.#renderRoot();
    const out: WireDiff | null = root === this.#sentRoot ? null : diffShared(this.#sentRoot, root, this.diffs, false);
    this.#sentRoot = root;
    let shown = root.holdsShared ? sharedBelow(root) : null;
    let components: Record<number, WireNode> | null = null;
    for (const entry of this.#components.values()) {
      if (!entry.rendered) continue;
      if (entry.rendered.holdsShared) {
        const mine = sharedBelow(entry.rendered);
        if (mine) shown = shown === null ? mine : unionShared(shown, mine);
      }
      if (entry.rendered === entry.sent) continue;
      const change = entry.sent && entry.sent.statics === entry.rendered.statics ? diffNode(entry.sent, entry.rendered, this.diffs) : full(entry.rendered, this.diffs);
      entry.sent = entry.rendered;
      if (change) (components ??= {})[entry.cid] = change;
    }
    const shared = sharedChanges(this.#sentShared, shown, this.diffs);
    this.#sentShared = shown;
    const removed = this.#removed;
    this.#removed = null;
    const templates = this.diffs.take();
    const title = this.titleChanged && this.title !== null ? this.title : null;
    this.titleChanged = false;
    const events = this.events;
    this.events = null;
    if (out === null && shared === null && components === null && removed === null && templates === null && title === null && events === null) return null;
    return { out, shared, components, removed, templates, title, events };
  }

  // ---- Timers and async work -----------------------------------------------------------------

  schedule(delayMs: number, task: () => void): () => void {
    // An async callback may resume after its view ended: its timers would only hold the view.
    if (this.#stopped) return () => {};
    const timer = setTimeout(() => {
      this.#timers?.delete(timer);
      task();
    }, delayMs);
    (this.#timers ??= new Set()).add(timer);
    return () => {
      clearTimeout(timer);
      this.#timers?.delete(timer);
    };
  }

  /** Stops timers; called when the view ends. */
  stop(reason: string): void {
    this.#stopped = true;
    for (const timer of this.#timers ?? []) clearTimeout(timer);
    this.#timers = null;
    this.view.terminate?.(reason, this.socket);
  }
}

/** Shared by every instance until it places a component (it is never written to). */
const NO_COMPONENTS: Map<number, ComponentEntry> = new Map();
const NO_TASKS: ReadonlySet<Promise<void>> = new Set();

/**
 * Up to this many components a view finds one by definition and key with a scan, and keeps no
 * index (two maps, about 0.4 KB per view on a page with one component).
 */
const SCANNED_COMPONENTS = 8;

/** Keys compare as Map keys do (SameValueZero), so a view finds the same components either way. */
function sameKey(a: string | number, b: string | number): boolean {
  return a === b || (a !== a && b !== b);
}

/** What a pendingDiff is made of, before it becomes one object (or one string). */
interface Pending {
  readonly out: WireDiff | null;
  readonly shared: SharedChanges | null;
  readonly components: Record<number, WireNode> | null;
  readonly removed: number[] | null;
  readonly templates: Record<number, string[]> | null;
  readonly title: string | null;
  readonly events: [string, unknown][] | null;
}

function assemble(pending: Pending): WireDiff {
  const { shared } = pending;
  const out: WireDiff = { ...pending.out };
  const components = shared?.c ? { ...shared.c, ...pending.components } : pending.components;
  if (components) out[COMPONENTS] = components;
  const removed = shared?.cr ? [...(pending.removed ?? []), ...shared.cr] : pending.removed;
  if (removed) out[REMOVED_COMPONENTS] = removed;
  if (pending.templates) out.p = pending.templates;
  if (pending.title !== null) out[TITLE] = pending.title;
  if (pending.events) out[EVENTS] = pending.events;
  return out;
}

/**
 * A copy of assigns to change. Not a spread: V8 gives every spread copy that then gets a new key
 * a hidden class of its own (~0.2 KB per view, kept as long as the view), while copies made with
 * Object.assign onto {} share theirs. (Measured no slower on Node 20.)
 */
function copyAssigns<T extends object>(assigns: T): T {
  return Object.assign({}, assigns);
}

/** The handler for a client-named event: own properties only, so "toString" or "constructor" are not handlers. */
function ownHandler(handlers: object | undefined, name: string): ((value: EventValue, socket: any) => EventResult | Promise<EventResult>) | null {
  if (!handlers || !Object.hasOwn(handlers, name)) return null;
  const handler = (handlers as Record<string, unknown>)[name];
  return typeof handler === "function" ? (handler as ReturnType<typeof ownHandler>) : null;
}

function describeResult(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

class LiveSocketImpl<A extends object> implements LiveSocket<A> {
  readonly id: string;
  readonly session: Readonly<Record<string, unknown>>;
  assigns: A = {} as A;
  readonly #instance: LiveInstance<A>;
  /** The URL kept as text; parsed when asked for (an idle page does not hold a URL object). */
  #href: string;
  #url: URL | null = null;

  constructor(instance: LiveInstance<A>, options: InstanceOptions) {
    this.#instance = instance;
    this.id = options.id;
    // Object.assign, not a spread: freezing a spread copy gives every view its own hidden class (~120 B).
    this.session = Object.freeze(Object.assign({}, options.session));
    this.#href = options.url.href;
  }

  get url(): URL {
    return (this.#url ??= new URL(this.#href));
  }

  set url(url: URL) {
    this.#href = url.href;
    this.#url = url;
  }

  get connected(): boolean {
    return this.#instance.host !== null;
  }

  get flash(): Flash {
    return this.#instance.flash;
  }

  get pubsub() {
    return this.#instance.endpoint.pubsub;
  }

  assign(values: Partial<A>): void {
    let next: A | null = null;
    for (const key of Object.keys(values) as (keyof A)[]) {
      if (this.assigns[key] === values[key]) continue;
      next ??= copyAssigns(this.assigns);
      next[key] = values[key] as A[keyof A];
    }
    if (next) {
      this.assigns = next;
      this.#instance.changed = true;
    }
  }

  update<K extends keyof A>(key: K, fn: (value: A[K]) => A[K]): void {
    this.assign({ [key]: fn(this.assigns[key]) } as unknown as Partial<A>);
  }

  /** Subscriptions exist only for connected views; during the HTTP render this does nothing. */
  subscribe(topic: string): void {
    this.#instance.host?.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.#instance.host?.unsubscribe(topic);
  }

  broadcast(topic: string, event: string, payload: unknown): void {
    this.pubsub.broadcast(topic, event, payload);
  }

  broadcastFrom(topic: string, event: string, payload: unknown): void {
    const self = this.#instance.host?.self;
    if (self) this.pubsub.broadcastFrom(self as never, topic, event, payload);
    else this.pubsub.broadcast(topic, event, payload);
  }

  pushEvent(event: string, payload: Record<string, unknown>): void {
    (this.#instance.events ??= []).push([event, payload]);
  }

  get presence() {
    return this.#instance.endpoint.presence;
  }

  /** Presence, like subscriptions, exists only for connected views. */
  track(topic: string, key: string, meta: Record<string, unknown> = {}): void {
    const host = this.#instance.host;
    if (host) this.presence.track(host.self, topic, key, meta);
  }

  updatePresence(topic: string, key: string, meta: Record<string, unknown>): void {
    const host = this.#instance.host;
    if (host) this.presence.update(host.self, topic, key, meta);
  }

  untrack(topic: string, key: string): void {
    const host = this.#instance.host;
    if (host) this.presence.untrack(host.self, topic, key);
  }

  pushPatch(to: string, options: NavigateOptions = {}): void {
    this.#instance.navigation = { kind: "patch", to: checkPath(to), replace: options.replace ?? false };
  }

  pushNavigate(to: string, options: NavigateOptions = {}): void {
    this.#instance.navigation = { kind: "navigate", to: checkPath(to), replace: options.replace ?? false };
  }

  redirect(to: string): void {
    this.#instance.navigation = { kind: "redirect", to: checkPath(to) };
  }

  putFlash(kind: string, message: string): void {
    this.#instance.flash = { ...this.#instance.flash, [kind]: message };
    this.#instance.changed = true;
  }

  clearFlash(kind?: string): void {
    const flash = { ...this.#instance.flash };
    if (kind === undefined) for (const k of Object.keys(flash)) delete flash[k];
    else delete flash[kind];
    this.#instance.flash = flash;
    this.#instance.changed = true;
  }

  setTitle(title: string): void {
    if (title === this.#instance.title) return;
    this.#instance.title = title;
    this.#instance.titleChanged = true;
  }

  sendInfo(event: string, payload: unknown = null, delayMs = 0): () => void {
    const host = this.#instance.host;
    if (!host) return () => {};
    const message: Message = { topic: this.id, event, payload };
    const deliver = () =>
      host.enqueue(() => {
        const handled = this.#instance.info(message);
        return handled instanceof Promise ? handled.then(() => host.flush()) : host.flush();
      });
    if (delayMs <= 0) {
      deliver();
      return () => {};
    }
    return this.#instance.schedule(delayMs, deliver);
  }

  startAsync<T>(task: () => Promise<T>, done: (outcome: AsyncOutcome<T>, socket: LiveSocket<A>) => void): void {
    const host = this.#instance.host;
    if (!host) return;
    const finish = (outcome: AsyncOutcome<T>) =>
      host.enqueue(() => {
        done(outcome, this);
        return host.flush();
      });
    const tasks = this.#instance.runningTasks();
    const running = Promise.resolve()
      .then(task)
      .then(
        (value) => finish({ ok: true, value }),
        (error) => finish({ ok: false, error }),
      )
      .finally(() => tasks.delete(running));
    tasks.add(running);
  }

  sendUpdate(component: LiveComponent<any, any, any>, id: string | number, props: object): void {
    const host = this.#instance.host;
    const run = () => this.#instance.sendUpdate(component, id, props);
    if (!host) return run();
    host.enqueue(() => {
      run();
      return host.flush();
    });
  }
}

/** Navigation targets are paths on this site: a full URL to elsewhere needs redirect to an absolute URL. */
function checkPath(to: string): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//")) {
    throw sbError("SB_ERR_NAVIGATION", JSON.stringify(to));
  }
  return to;
}

export type { ComponentHost };
