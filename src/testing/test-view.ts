// A live view under test: one joined topic on an in-memory connection, its HTML kept with the same
// merge as the browser's. The test drives it through its bindings (elements, forms, hooks) or
// lower-level pushes, and reads its HTML, navigation, pushed events, title and flash. A crash on
// the server rejects whatever the test awaits with the server's error instead of a time-out.

import type { FastifyInstance } from "fastify";
import { sbError, type SwitchboardError } from "../switchboard/errors.ts";
import type { LiveProcess } from "../switchboard/live-process.ts";
import { createTree, merge, toHTML, type ClientTree } from "../switchboard/merge.ts";
import { JOIN, LEAVE, LIVE, REPLY_DIFF, REPLY_VALUE, type WireDiff } from "../switchboard/protocol.ts";
import { randomId } from "../switchboard/token.ts";
import { html, one, parse, select, type Doc } from "./dom.ts";
import { ElementHandle, FormHandle } from "./element.ts";
import type { Frame, MemorySocket, Reply } from "./memory-socket.ts";
import { crashError, EventOutcome, LiveRedirect, refused, type Navigation } from "./outcome.ts";

// Captured before any test installs fake timers, so settle() keeps working under vi.useFakeTimers().
const realSetImmediate = globalThis.setImmediate;

export interface ViewInit {
  id: string;
  url: string;
  session: string;
  csrf: string;
  flash?: string;
  cookies: Record<string, string>;
  /** The HTTP render's body, when the view was loaded over HTTP. */
  page?: string;
}

export class TestView {
  readonly app: FastifyInstance;
  readonly socket: MemorySocket;
  readonly topic: string;
  readonly joinRef: string;
  /** The cookies this "browser" holds. */
  readonly cookies: Record<string, string>;
  /** The merged tree, as the browser client holds it. */
  readonly tree: ClientTree = createTree();
  url: string;
  /** Navigation the view asked for, oldest first; assertPatch/assertRedirect take from it. */
  readonly navigations: Navigation[] = [];
  /** Events pushed to the client (pushEvent), oldest first; assertPushEvent takes from it. */
  readonly pushedEvents: [string, unknown][] = [];
  /** The server's error, once the view crashed (SB_ERR_TEST_VIEW_CRASHED). */
  crash: SwitchboardError | null = null;
  readonly #init: ViewInit;
  readonly #waiters = new Set<(error: Error) => void>();
  readonly #detach: (() => void)[] = [];
  #html: string | null = null;
  #doc: Doc | null = null;
  #deadHTML: string | null = null;
  #joined = false;

  constructor(app: FastifyInstance, socket: MemorySocket, init: ViewInit) {
    this.app = app;
    this.socket = socket;
    this.topic = `lv:${init.id}`;
    this.joinRef = socket.ref();
    this.url = init.url;
    this.cookies = init.cookies;
    this.#init = init;
    this.#detach.push(
      socket.on(this.topic, (frame) => this.#push(frame)),
      socket.onCrash(this.topic, (error) => {
        this.crash = crashError(this.topic, error);
        for (const reject of this.#waiters) reject(this.crash);
      }),
    );
  }

  /** Joins as the browser client does; rejects with LiveRedirect when the view sends the browser elsewhere. */
  async join(): Promise<void> {
    const init = this.#init;
    const payload: Record<string, unknown> = { url: this.url, session: init.session, params: { _csrf_token: init.csrf, _mounts: 0 } };
    if (init.flash) payload.flash = init.flash;
    const [reply] = await this.#request([this.joinRef, this.joinRef, this.topic, JOIN, payload]);
    if (reply.status !== "ok") {
      this.#dispose();
      const { redirect, live_redirect } = reply.response ?? {};
      if (redirect) throw new LiveRedirect(this.app, { kind: "redirect", to: redirect.to, flash: redirect.flash }, this.cookies, this);
      if (live_redirect) throw new LiveRedirect(this.app, { kind: "navigate", to: live_redirect.to, replace: true, flash: live_redirect.flash }, this.cookies, this);
      throw refused(`the join of ${this.url}`, reply.response);
    }
    this.#joined = true;
    this.#apply(reply.response.rendered);
  }

  get joined(): boolean {
    return this.#joined;
  }

  // ---- Reading ---------------------------------------------------------------------------------

  /** The view's current HTML (its container's content). Throws the crash if the view crashed. */
  render(): string {
    if (this.crash) throw this.crash;
    return (this.#html ??= toHTML(this.tree));
  }

  /** The container's content in the HTTP render, before the join ("" for liveIsolated). */
  get deadHTML(): string {
    if (this.#deadHTML === null) {
      const page = this.#init.page;
      const container = page === undefined ? undefined : select(parse(page), `[id="${this.#init.id}"]`)[0];
      this.#deadHTML = container ? html(container, true) : "";
    }
    return this.#deadHTML;
  }

  /** The page title, as the browser shows it. */
  get title(): string | null {
    return this.tree.title;
  }

  /** The view's current flash, as its render sees it. */
  get flash(): Readonly<Record<string, string>> {
    return this.#process()?.instance?.flash ?? {};
  }

  /** The current HTML, parsed (once per change). */
  doc(): Doc {
    return (this.#doc ??= parse(this.render()));
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

  /** Frames the server sent on this view's topic (of one event, if given), decoded afresh. */
  frames(event?: string): Frame[] {
    const frames = this.socket.frames(this.topic);
    return event === undefined ? frames : frames.filter((f) => f[3] === event);
  }

  // ---- Driving ---------------------------------------------------------------------------------

  /** What a hook's pushEvent sends from the element with that phx-hook; resolves with the handler's reply. */
  async hook(selector: string, event: string, payload: Record<string, unknown> = {}): Promise<unknown> {
    if (one(this.doc(), selector).attribs["phx-hook"] === undefined) throw sbError("SB_ERR_TEST_BINDING", selector, "phx-hook");
    return (await this.pushEvent("hook", event, payload)).reply;
  }

  /** Sends a live event as the client would; resolves once its reply (and diff) is applied. An error reply rejects with SB_ERR_TEST_REFUSED. */
  async pushEvent(type: string, event: string, value: unknown, cid?: number): Promise<EventOutcome> {
    const payload: Record<string, unknown> = { type, event, value };
    if (cid !== undefined) payload.cid = cid;
    const [reply, text] = await this.#exchange(LIVE.event, payload);
    if (reply.status !== "ok") throw refused(`the event ${JSON.stringify(event)}`, reply.response);
    return new EventOutcome(this.render(), reply.response?.[REPLY_VALUE], text);
  }

  /** Sends any message on this view's topic and resolves with the reply as sent (a diff in it is applied); never rejects on an error reply. */
  async request(event: string, payload: Record<string, unknown> = {}): Promise<Reply> {
    const [, text] = await this.#exchange(event, payload);
    return (JSON.parse(text) as Frame)[4];
  }

  /** The URL changes to `path` in this view (a patch link, or back/forward): handleParams runs. */
  async patch(path: string): Promise<string> {
    const url = new URL(path, this.url).href;
    const [reply] = await this.#exchange(LIVE.patchUrl, { url });
    if (reply.status !== "ok") throw refused(`a patch to ${path}`, reply.response);
    this.url = url;
    return this.render();
  }

  /**
   * A live navigation to `path` (a navigate link, or what the client does on live_redirect): this
   * view is left and the new one joined over the same connection, without an HTTP request.
   */
  async navigate(path: string, options: { flash?: string } = {}): Promise<TestView> {
    if (this.#joined && !this.socket.closed) await this.leave();
    const { session, csrf } = this.#init;
    const next = new TestView(this.app, this.socket, { id: `phx-${randomId(9)}`, url: new URL(path, this.url).href, session, csrf, flash: options.flash, cookies: this.cookies });
    await next.join();
    return next;
  }

  /**
   * Resolves once the view has handled every message sent to it so far — PubSub messages, timers
   * that fired, startAsync tasks under way — and sent their diffs. Rejects if the view crashed.
   */
  async settle(): Promise<string> {
    for (let rounds = 0; rounds < 1000; rounds++) {
      const process = this.#process();
      if (!process) break;
      await process.mailbox.settled();
      const tasks = process.instance?.tasks;
      if (tasks && tasks.size > 0) {
        await Promise.allSettled(tasks);
        continue;
      }
      // A handler may have queued more work (sendInfo, a promise resolving): settle until idle.
      await new Promise((resolve) => realSetImmediate(resolve));
      if (!process.mailbox.busy && !process.instance?.tasks.size) break;
    }
    return this.render();
  }

  /** Leaves the view (phx_leave): it ends on the server; its last HTML stays readable. */
  async leave(): Promise<void> {
    const [reply] = await this.#exchange(LEAVE, {});
    this.#joined = false;
    this.#dispose();
    if (reply.status !== "ok") throw refused(`leaving ${this.topic}`, reply.response);
  }

  /** Ends the view's connection, and every view on it (a closed tab). */
  close(): void {
    this.#dispose();
    this.socket.close();
  }

  // ---- Internals -------------------------------------------------------------------------------

  #process(): LiveProcess | undefined {
    return this.socket.connection?.processes.get(this.topic) as LiveProcess | undefined;
  }

  #dispose(): void {
    for (const detach of this.#detach.splice(0)) detach();
  }

  /** A message on this topic; a diff in an ok reply is applied. */
  async #exchange(event: string, payload: Record<string, unknown>): Promise<[Reply, string]> {
    const result = await this.#request([this.joinRef, this.socket.ref(), this.topic, event, payload]);
    const diff = result[0].status === "ok" ? (result[0].response?.[REPLY_DIFF] as WireDiff | undefined) : undefined;
    if (diff) this.#apply(diff);
    return result;
  }

  #request(frame: Frame): Promise<[Reply, string]> {
    if (this.crash) return Promise.reject(this.crash);
    return new Promise((resolve, reject) => {
      this.#waiters.add(reject);
      this.socket.exchange(frame).then(
        (result) => {
          this.#waiters.delete(reject);
          if (this.crash) reject(this.crash);
          else resolve(result);
        },
        (error) => {
          this.#waiters.delete(reject);
          reject(error);
        },
      );
    });
  }

  /** Merges a diff this view owns (freshly decoded, so the merge may keep parts of it). */
  #apply(diff: WireDiff): void {
    merge(this.tree, diff);
    this.#html = null;
    this.#doc = null;
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
}
