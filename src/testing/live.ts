// live(): a live page under test. The HTTP render goes through fastify's inject, the join and
// every event through an in-memory connection speaking the real protocol, and diffs are merged
// with the same merge as the browser's. The test drives the page through its bindings (elements,
// forms, hooks) and reads the HTML, navigation, pushed events, title and flash.

import type { FastifyInstance } from "fastify";
import { sbError, SwitchboardError } from "../switchboard/errors.ts";
import type { LiveView } from "../switchboard/live-view.ts";
import type { LiveProcess } from "../switchboard/live-process.ts";
import { createTree, merge, toHTML, type ClientTree } from "../switchboard/merge.ts";
import { LIVE, type WireDiff } from "../switchboard/protocol.ts";
import { csrfToken, FLASH_COOKIE, liveToken, newSession, sessionCookie } from "../switchboard/session.ts";
import { randomId } from "../switchboard/token.ts";
import { parse, one, select, type Doc } from "./dom.ts";
import { ElementHandle, FormHandle } from "./element.ts";
import { MemorySocket, type Frame, type Reply } from "./memory-socket.ts";

export interface LiveOptions {
  /** Session data for a browser that has none yet (becomes the signed session cookie). */
  session?: Record<string, unknown>;
  /** Cookies the browser already holds (e.g. from another view, for a second tab). */
  cookies?: Record<string, string>;
  headers?: Record<string, string>;
  /** Params for the endpoint's connect hook. */
  connectParams?: Record<string, string>;
}

export type Navigation =
  | { kind: "patch"; to: string; replace: boolean }
  | { kind: "navigate"; to: string; replace: boolean; flash?: string }
  | { kind: "redirect"; to: string; flash?: string };

/** Thrown by live() when the page redirects instead of rendering; followRedirect() takes it. */
export class LiveRedirect extends Error {
  readonly navigation: Navigation;
  readonly app: FastifyInstance;
  readonly cookies: Record<string, string>;

  constructor(app: FastifyInstance, navigation: Navigation, cookies: Record<string, string>) {
    super(`the page redirected (${navigation.kind}) to ${navigation.to}`);
    this.name = "LiveRedirect";
    this.app = app;
    this.navigation = navigation;
    this.cookies = cookies;
  }
}

interface Waiter {
  reject: (error: Error) => void;
}

export class TestView {
  readonly app: FastifyInstance;
  readonly socket: MemorySocket;
  readonly topic: string;
  readonly joinRef: string;
  /** The cookies this "browser" holds. */
  readonly cookies: Record<string, string>;
  /** The HTML of the HTTP render, before the join. */
  readonly deadHTML: string;
  tree: ClientTree = createTree();
  url: string;
  /** Navigation the view asked for, oldest first; assertPatch/assertRedirect take from it. */
  readonly navigations: Navigation[] = [];
  /** Events pushed to the client (pushEvent), oldest first; assertPushEvent takes from it. */
  readonly pushedEvents: [string, unknown][] = [];
  crash: Error | null = null;
  #doc: { html: string; doc: Doc } | null = null;
  readonly #waiters = new Set<Waiter>();
  readonly #session: string;
  readonly #csrf: string;
  readonly #flash: string | undefined;
  #joined = false;

  constructor(app: FastifyInstance, socket: MemorySocket, init: { id: string; url: string; session: string; csrf: string; flash?: string; cookies: Record<string, string>; deadHTML: string }) {
    this.app = app;
    this.socket = socket;
    this.topic = `lv:${init.id}`;
    this.joinRef = socket.ref();
    this.url = init.url;
    this.cookies = init.cookies;
    this.deadHTML = init.deadHTML;
    this.#session = init.session;
    this.#csrf = init.csrf;
    this.#flash = init.flash;
    socket.on(this.topic, (frame) => this.#push(frame));
    const onCrash = (topic: string, error: unknown) => {
      if (topic !== this.topic) return;
      this.crash = crashError(topic, error);
      for (const waiter of this.#waiters) waiter.reject(this.crash);
    };
    socket.endpoint.crashListeners.add(onCrash);
  }

  async join(): Promise<void> {
    const payload: Record<string, unknown> = { url: this.url, session: this.#session, params: { _csrf_token: this.#csrf, _mounts: 0 } };
    if (this.#flash) payload.flash = this.#flash;
    const reply = await this.#request([this.joinRef, this.joinRef, this.topic, "phx_join", payload]);
    if (reply.status !== "ok") {
      const { redirect, live_redirect, reason, code } = reply.response ?? {};
      if (redirect) throw new LiveRedirect(this.app, { kind: "redirect", to: redirect.to, flash: redirect.flash }, this.cookies);
      if (live_redirect) throw new LiveRedirect(this.app, { kind: "navigate", to: live_redirect.to, replace: false, flash: live_redirect.flash }, this.cookies);
      throw sbError("SB_ERR_TEST_REFUSED", `the join of ${this.url}`, `${code ?? ""} ${reason ?? JSON.stringify(reply.response)}`.trim());
    }
    this.#joined = true;
    this.#apply(reply.response.rendered);
  }

  // ---- Reading ---------------------------------------------------------------------------------

  /** The view's current HTML (its container's content). */
  render(): string {
    this.#check();
    return toHTML(this.tree);
  }

  get title(): string | null {
    return this.tree.title;
  }

  /** The view's current flash, as its render sees it. */
  get flash(): Readonly<Record<string, string>> {
    return this.#process()?.instance?.flash ?? {};
  }

  /** The parsed current HTML (cached until it changes). */
  doc(): Doc {
    const html = this.render();
    if (this.#doc?.html !== html) this.#doc = { html, doc: parse(html) };
    return this.#doc.doc;
  }

  element(selector: string, text?: string | RegExp): ElementHandle {
    return new ElementHandle(this, selector, text);
  }

  hasElement(selector: string, text?: string | RegExp): boolean {
    return select(this.doc(), selector, text).length > 0;
  }

  /** A form to change or submit; `values` are checked against the form's real fields. */
  form(selector: string, values: Record<string, unknown> = {}): FormHandle {
    return new FormHandle(this, selector, values);
  }

  /** What a hook's pushEvent would send from the element with that phx-hook; resolves with the reply value. */
  async hook(selector: string, event: string, payload: Record<string, unknown> = {}): Promise<unknown> {
    const el = one(this.doc(), selector);
    if (el.attr("phx-hook") === undefined) throw sbError("SB_ERR_TEST_BINDING", selector, "phx-hook");
    const { reply } = await this.pushEvent("hook", event, payload);
    return reply;
  }

  // ---- Driving ---------------------------------------------------------------------------------

  /** Sends a live event as the client would; resolves once its reply (and diff) is applied. */
  async pushEvent(type: string, event: string, value: unknown, cid?: number): Promise<{ html: string; reply: unknown }> {
    const payload: Record<string, unknown> = { type, event, value };
    if (cid !== undefined) payload.cid = cid;
    const reply = await this.#request([this.joinRef, this.socket.ref(), this.topic, LIVE.event, payload]);
    if (reply.status !== "ok") throw sbError("SB_ERR_TEST_REFUSED", `the event ${JSON.stringify(event)}`, `${reply.response?.code ?? ""} ${reply.response?.reason ?? ""}`.trim());
    if (reply.response?.diff) this.#apply(reply.response.diff);
    return { html: this.render(), reply: reply.response?.reply };
  }

  /** The URL changes to `path` in this view (a patch link, or back/forward): handleParams runs. */
  async patch(path: string): Promise<string> {
    const url = new URL(path, this.url).href;
    const reply = await this.#request([this.joinRef, this.socket.ref(), this.topic, LIVE.patchUrl, { url }]);
    if (reply.status !== "ok") throw sbError("SB_ERR_TEST_REFUSED", `a patch to ${path}`, `${reply.response?.code ?? ""} ${reply.response?.reason ?? ""}`.trim());
    this.url = url;
    if (reply.response?.diff) this.#apply(reply.response.diff);
    return this.render();
  }

  /** Resolves once the view has handled every message sent to it so far (PubSub, timers that fired, async results). */
  async settle(): Promise<string> {
    for (let rounds = 0; rounds < 100; rounds++) {
      const process = this.#process();
      if (!process) break;
      await process.mailbox.settled();
      // A handler may have queued more work (sendInfo): settle until the mailbox stays idle.
      await new Promise((resolve) => setImmediate(resolve));
      if (!process.mailbox.busy) break;
    }
    return this.render();
  }

  /** Ends the view and its connection (a closed tab). */
  close(): void {
    this.socket.close();
  }

  // ---- Internals -------------------------------------------------------------------------------

  #process(): LiveProcess | undefined {
    return this.socket.connection?.processes.get(this.topic) as LiveProcess | undefined;
  }

  #check(): void {
    if (this.crash) throw this.crash;
  }

  #request(frame: Frame): Promise<Reply> {
    this.#check();
    return new Promise((resolve, reject) => {
      const waiter = { reject };
      this.#waiters.add(waiter);
      this.socket.request(frame).then(
        (reply) => {
          this.#waiters.delete(waiter);
          if (this.crash) reject(this.crash);
          else resolve(reply);
        },
        (error) => {
          this.#waiters.delete(waiter);
          reject(error);
        },
      );
    });
  }

  #apply(diff: WireDiff): void {
    merge(this.tree, JSON.parse(JSON.stringify(diff)));
    if (diff.e) this.pushedEvents.push(...diff.e);
  }

  #push(frame: Frame): void {
    const [, , , event, payload] = frame;
    if (event === LIVE.diff) return this.#apply(payload);
    if (event === LIVE.patch) {
      this.url = new URL(payload.to, this.url).href;
      this.navigations.push({ kind: "patch", to: payload.to, replace: payload.kind === "replace" });
    } else if (event === LIVE.navigate) {
      this.navigations.push({ kind: "navigate", to: payload.to, replace: payload.kind === "replace", flash: payload.flash });
    } else if (event === LIVE.redirect) {
      this.navigations.push({ kind: "redirect", to: payload.to, flash: payload.flash });
    }
  }

  get joined(): boolean {
    return this.#joined;
  }
}

function crashError(topic: string, error: unknown): SwitchboardError {
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = sbError("SB_ERR_TEST_VIEW_CRASHED", topic, message);
  (wrapped as { cause?: unknown }).cause = error;
  if (error instanceof Error && error.stack) wrapped.stack = `${wrapped.name}: ${wrapped.message}\n--- server stack ---\n${error.stack}`;
  return wrapped;
}

// ---- Entry points ---------------------------------------------------------------------------

/** Renders `path` over HTTP, then joins it live. Rejects with LiveRedirect if the page redirects. */
export async function live(app: FastifyInstance, path: string, options: LiveOptions = {}): Promise<TestView> {
  await app.ready();
  const endpoint = app.switchboard;
  const cookies: Record<string, string> = { ...options.cookies };
  if (options.session) cookies[endpoint.session.cookie] = sessionCookie(endpoint, newSession(options.session));
  const response = await app.inject({ method: "GET", url: path, cookies, headers: options.headers });
  for (const cookie of response.cookies as { name: string; value: string; maxAge?: number }[]) {
    if (cookie.maxAge === 0 || cookie.value === "") delete cookies[cookie.name];
    else cookies[cookie.name] = cookie.value;
  }
  if (response.statusCode >= 300 && response.statusCode < 400) {
    const flash = cookies[FLASH_COOKIE];
    throw new LiveRedirect(app, { kind: "redirect", to: String(response.headers.location), flash }, cookies);
  }
  if (response.statusCode !== 200) throw sbError("SB_ERR_TEST_REFUSED", `GET ${path}`, `HTTP ${response.statusCode}: ${response.body.slice(0, 200)}`);
  const page = parse(response.body);
  const container = page("[data-phx-main]").first();
  if (container.length === 0) throw sbError("SB_ERR_TEST_REFUSED", `GET ${path}`, "the page has no live view ([data-phx-main])");
  const socket = await MemorySocket.open(endpoint, { cookies, params: options.connectParams, headers: options.headers });
  const view = new TestView(app, socket, {
    id: container.attr("id")!,
    url: new URL(path, "http://localhost").href,
    session: container.attr("data-phx-session")!,
    csrf: page("meta[name='csrf-token']").attr("content") ?? "",
    flash: container.attr("data-phx-flash"),
    cookies,
    deadHTML: container.html() ?? "",
  });
  await view.join();
  return view;
}

/** Mounts a view with no route, with the given session. */
export async function liveIsolated(app: FastifyInstance, view: LiveView<any, any>, options: { session?: Record<string, unknown>; url?: string } = {}): Promise<TestView> {
  await app.ready();
  const endpoint = app.switchboard;
  const session = newSession(options.session ?? {});
  const cookies = { [endpoint.session.cookie]: sessionCookie(endpoint, session) };
  const id = `phx-${randomId(9)}`;
  endpoint.live.isolate(id, view);
  const socket = await MemorySocket.open(endpoint, { cookies });
  const test = new TestView(app, socket, {
    id,
    url: new URL(options.url ?? "/", "http://localhost").href,
    session: liveToken(endpoint, session),
    csrf: csrfToken(endpoint, session),
    cookies,
    deadHTML: "",
  });
  await test.join();
  return test;
}
