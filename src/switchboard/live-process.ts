// A live view joined over a connection (topic "lv:<id>"): verifies the join (signed session,
// CSRF token, a live route for the URL), mounts the view, answers events with the diff and the
// handler's reply, pushes diffs after PubSub messages and timers, and carries out navigation.
// A callback that throws ends this view only (phx_error); the client rejoins and remounts.

import { ChannelProcess } from "./channel.ts";
import type { Connection } from "./connection.ts";
import { SwitchboardError } from "./errors.ts";
import { LiveInstance, type InstanceHost } from "./live-instance.ts";
import type { EventResult, EventValue, Params } from "./live-view.ts";
import { LIVE, LIVE_TOPIC_PREFIX, REPLY, REPLY_DIFF, REPLY_VALUE, type WireDiff } from "./protocol.ts";
import type { Message } from "./pubsub.ts";
import { decodeForm, queryParams } from "./params.ts";
import { verifyJoin } from "./session.ts";

export class LiveProcess extends ChannelProcess implements InstanceHost {
  instance: LiveInstance<any> | null = null;
  #route: string | null = null;
  #diffPrefix: string | null = null;
  /** An event reply's frame around its ref and response (same for every reply of this view). */
  #replyPrefix: string | null = null;
  #replySuffix: string | null = null;

  constructor(connection: Connection, topic: string, joinRef: string | null) {
    super(connection, topic, joinRef);
  }

  get self(): object {
    return this;
  }

  describe(): Record<string, unknown> {
    return { topic: this.topic, view: this.#route };
  }

  enqueue(task: () => unknown): void {
    this.mailbox.push(task);
  }

  async join(payload: Record<string, unknown>, ref: string | null): Promise<void> {
    const endpoint = this.connection.endpoint;
    const verified = verifyJoin(endpoint, this.connection.info, payload);
    if (verified instanceof SwitchboardError) return this.#refuse(ref, verified.code, verified.message);
    const { session, url, flash } = verified;
    const id = this.topic.slice(LIVE_TOPIC_PREFIX.length);
    const match = endpoint.live.isolated(id) ?? endpoint.live.match(url.pathname);
    if (!match) return this.#refuse(ref, "SB_ERR_NO_ROUTE", `no live route for ${url.pathname}; load the page instead`);
    this.#route = match.route.path;
    if (match.route.view.priority === "high") this.mailbox.priority = "high";
    const instance = new LiveInstance(endpoint, match.route.view, {
      id,
      session,
      url,
      flash,
      host: this,
    });
    this.instance = instance;
    const started = performance.now();
    let rendered: WireDiff;
    try {
      await instance.mount({ ...queryParams(url), ...match.params });
      const navigation = instance.navigation;
      if (navigation) {
        // As Phoenix does: a mount that navigates answers the join with where to go instead.
        instance.navigation = null;
        const target = { to: navigation.to, ...this.#flashToken(instance) };
        this.reply(ref, "error", navigation.kind === "redirect" ? { redirect: target } : { live_redirect: { ...target, kind: "push" } });
        this.end("navigated at mount", "none");
        return;
      }
      rendered = instance.fullDiff();
    } catch (error) {
      // As Phoenix (and channels here) do: a join that throws is answered, not left to time out.
      const code = (error as { code?: string })?.code ?? "SB_ERR_CHANNEL_CRASHED";
      endpoint.log.error({ err: error, code, ...this.describe() }, "live view crashed while joining");
      endpoint.reportCrash(this.topic, error, this.connection);
      this.reply(ref, "error", { reason: "join crashed", code: "SB_ERR_CHANNEL_CRASHED" });
      this.end("join crashed", "none");
      return;
    }
    endpoint.metrics.time("mount", performance.now() - started);
    this.joined = true;
    this.reply(ref, "ok", { rendered });
  }

  #refuse(ref: string | null, code: string, reason: string): void {
    this.connection.endpoint.log.info({ code, topic: this.topic }, "live join refused");
    this.reply(ref, "error", { reason, code });
    this.end("join refused", "none");
  }

  handleIn(event: string, payload: Record<string, unknown>, ref: string | null): void | Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    if (event === LIVE.event) return this.#event(instance, payload, ref);
    if (event === LIVE.patchUrl) return this.#patchUrl(instance, payload, ref);
    this.reply(ref, "error", { reason: `unknown message ${JSON.stringify(event)} for a live view`, code: "SB_ERR_UNKNOWN_EVENT" });
  }

  /** A DOM event: the handler, then the reply with the diff; synchronous when the handler is. */
  #event(instance: LiveInstance<any>, payload: Record<string, unknown>, ref: string | null): void | Promise<void> {
    const { type, event, value, cid } = payload;
    const bad = (reason: string) => this.reply(ref, "error", { reason, code: "SB_ERR_EVENT_PAYLOAD" });
    if (typeof type !== "string") return bad("type must be a string such as \"click\" or \"form\"");
    if (typeof event !== "string" || event.length === 0) return bad("event must be the handler's name");
    if (cid !== undefined && cid !== null && !(Number.isInteger(cid) && (cid as number) > 0)) return bad("cid must be a positive integer");
    const target = typeof cid === "number" ? cid : null;
    let values: EventValue;
    if (typeof value === "string") values = decodeForm(value);
    else if (value === undefined || value === null) values = {};
    else if (typeof value === "object" && !Array.isArray(value)) values = value as EventValue;
    else return bad("value must be an object or a URL-encoded form string");
    if (target !== null && !instance.hasComponent(target)) {
      return this.reply(ref, "error", { reason: `no component ${target} in this view`, code: "SB_ERR_UNKNOWN_COMPONENT" });
    }
    if (!instance.hasEvent(event, target)) {
      return this.reply(ref, "error", { reason: `no handler for the event ${JSON.stringify(event)}`, code: "SB_ERR_UNKNOWN_EVENT" });
    }
    const started = performance.now();
    const result = instance.event(event, values, target);
    if (result instanceof Promise) return result.then((value) => this.#answer(instance, value, ref, started));
    return this.#answer(instance, result, ref, started);
  }

  #answer(instance: LiveInstance<any>, result: EventResult, ref: string | null, started: number): void | Promise<void> {
    this.connection.endpoint.metrics.count("events");
    if (instance.navigation) return this.#navigate(instance).then(() => this.#replyWithDiff(instance, result, ref, started));
    this.#replyWithDiff(instance, result, ref, started);
  }

  #replyWithDiff(instance: LiveInstance<any>, result: EventResult, ref: string | null, started: number): void {
    const value = result && typeof result === "object" && "reply" in result ? result.reply : undefined;
    // The diff's JSON as made once per change (shared by every view it concerns), set into the
    // reply's text rather than stringified again inside it; a reply value is JSON-encoded first,
    // so one that cannot be fails here, as it would have in the frame.
    const valueJSON = value === undefined ? undefined : JSON.stringify(value);
    const diffJSON = instance.pendingDiffJSON();
    this.connection.endpoint.metrics.time("event", performance.now() - started);
    if (this.ended) return;
    let response = diffJSON === null ? "" : `"${REPLY_DIFF}":${diffJSON}`;
    if (valueJSON !== undefined) response += `${response === "" ? "" : ","}"${REPLY_VALUE}":${valueJSON}`;
    this.#replyPrefix ??= `[${JSON.stringify(this.joinRef)},`;
    this.#replySuffix ??= `,${JSON.stringify(this.topic)},"${REPLY}",{"status":"ok","response":{`;
    this.connection.send(`${this.#replyPrefix}${JSON.stringify(ref)}${this.#replySuffix}${response}}}]`);
  }

  async #patchUrl(instance: LiveInstance<any>, payload: Record<string, unknown>, ref: string | null): Promise<void> {
    const url = this.#sameOrigin(payload.url, instance.socket.url);
    const match = url && this.connection.endpoint.live.match(url.pathname);
    if (!url || !match || match.route.path !== this.#route) {
      return this.reply(ref, "error", { reason: "that URL belongs to another view; navigate instead", code: "SB_ERR_NO_ROUTE" });
    }
    await instance.params(url, { ...queryParams(url), ...match.params } as Params);
    await this.#navigate(instance);
    const diff = instance.pendingDiff();
    this.reply(ref, "ok", diff ? { [REPLY_DIFF]: diff } : {});
  }

  #sameOrigin(value: unknown, base: URL): URL | null {
    if (typeof value !== "string") return null;
    try {
      const url = new URL(value, base);
      return url.origin === base.origin ? url : null;
    } catch {
      return null;
    }
  }

  /** Carries out what a callback asked for: a patch runs handleParams here, the others go to the client. */
  async #navigate(instance: LiveInstance<any>): Promise<void> {
    for (let hops = 0; instance.navigation && hops < 10; hops++) {
      const navigation = instance.navigation;
      instance.navigation = null;
      if (navigation.kind === "patch") {
        const url = new URL(navigation.to, instance.socket.url);
        const match = this.connection.endpoint.live.match(url.pathname);
        if (!match || match.route.path !== this.#route) {
          // A patch to another view's URL becomes a navigation.
          this.push(LIVE.navigate, { to: navigation.to, kind: navigation.replace ? "replace" : "push", ...this.#flashToken(instance) });
          continue;
        }
        this.push(LIVE.patch, { to: navigation.to, kind: navigation.replace ? "replace" : "push" });
        await instance.params(url, { ...queryParams(url), ...match.params } as Params);
      } else if (navigation.kind === "navigate") {
        this.push(LIVE.navigate, { to: navigation.to, kind: navigation.replace ? "replace" : "push", ...this.#flashToken(instance) });
      } else {
        this.push(LIVE.redirect, { to: navigation.to, ...this.#flashToken(instance) });
      }
    }
  }

  #flashToken(instance: LiveInstance<any>): { flash?: string } {
    if (Object.keys(instance.flash).length === 0) return {};
    return { flash: this.connection.endpoint.signer.sign("flash", instance.flash) };
  }

  /**
   * A PubSub message or timer: the view's handleInfo, then its diff. A synchronous handleInfo is
   * answered synchronously, so a broadcast to many views sends each one's diff as soon as that
   * view has rendered, not after every view has. While more messages wait in the mailbox, the
   * diff waits for the last of them: a burst costs one render and one frame per view.
   */
  handleInfo(message: Message): void | Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    const handled = instance.info(message);
    if (handled instanceof Promise) return handled.then(() => this.#flushUnlessMore());
    return this.#flushUnlessMore();
  }

  #flushUnlessMore(): void | Promise<void> {
    // Every task in a live view's mailbox ends with a flush (or replies with the diff).
    if (this.mailbox.waiting > 0) return;
    return this.flush();
  }

  /** Sends what changed since the last diff (navigation first), if anything. */
  flush(): void | Promise<void> {
    const instance = this.instance;
    if (!instance || this.ended) return;
    if (instance.navigation) return this.#navigate(instance).then(() => this.#sendDiff(instance));
    this.#sendDiff(instance);
  }

  #sendDiff(instance: LiveInstance<any>): void {
    if (this.ended) return;
    const json = instance.pendingDiffJSON();
    if (json === null) return;
    // The frame around the diff is the same for every diff this view sends.
    this.#diffPrefix ??= `[${JSON.stringify(this.joinRef)},null,${JSON.stringify(this.topic)},"${LIVE.diff}",`;
    this.connection.send(this.#diffPrefix + json + "]");
  }

  terminate(reason: string): void {
    this.instance?.stop(reason);
  }
}
