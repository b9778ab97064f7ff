// One live view in the page: joins its topic, keeps the rendered tree with the shared merge,
// patches the DOM with morphdom (keeping the focused input, ignored subtrees, loading state and
// client-side command state), runs hooks, and recovers forms after a reconnect.

import morphdom from "morphdom";
import { createTree, merge, toHTML, type ClientTree } from "../src/switchboard/merge.ts";
import { CLOSE, ERROR, LIVE, REPLY_DIFF, REPLY_VALUE, type WireDiff } from "../src/switchboard/protocol.ts";
import { reapply } from "./commands.ts";
import { formPairs, restoreForm, serializeForm } from "./form.ts";
import type { Channel, ReplyPayload } from "./socket.ts";
import type { LiveClient } from "./index.ts";

export interface Hook {
  el: HTMLElement;
  view: View;
  mounted?(): void;
  updated?(): void;
  destroyed?(): void;
  disconnected?(): void;
  reconnected?(): void;
  pushEvent(event: string, payload?: Record<string, unknown>, onReply?: (reply: unknown) => void): void;
  handleEvent(event: string, callback: (payload: any) => void): void;
}

const CONNECTED = "phx-connected";
const LOADING = "phx-loading";
const ERRORED = "phx-error";

export class View {
  readonly client: LiveClient;
  readonly el: HTMLElement;
  readonly channel: Channel;
  tree: ClientTree = createTree();
  joins = 0;
  flash: string | undefined;
  readonly #hooks = new Map<Element, Hook>();
  /** handleEvent subscriptions: [event, callback, the hook that made it]. */
  #handlers: [string, (payload: any) => void, Hook][] = [];
  /** The loading classes of the events in flight, by element: one entry per event. */
  readonly #inFlight = new Map<Element, string[]>();
  /** Submit buttons disabled while their form's submit is in flight: patches leave them alone. */
  readonly #frozen = new Set<Element>();
  #rejoinTries = 0;

  constructor(client: LiveClient, el: HTMLElement, flash?: string) {
    this.client = client;
    this.el = el;
    this.flash = flash;
    this.channel = client.socket.channel(`lv:${el.id}`, () => this.#joinParams());
    this.channel.onJoin = (reply) => this.#joined(reply);
    this.channel.on(LIVE.diff, (diff: WireDiff) => this.update(diff));
    this.channel.on(LIVE.patch, ({ to, kind }) => client.history(to, kind === "replace"));
    this.channel.on(LIVE.navigate, ({ to, kind, flash }) => client.navigate(to, { replace: kind === "replace", flash }));
    this.channel.on(LIVE.redirect, ({ to, flash }) => client.redirect(to, flash));
    this.channel.on(ERROR, () => this.#lost(true));
    this.channel.on(CLOSE, () => this.#setState(ERRORED));
  }

  #joinParams(): Record<string, unknown> {
    const params: Record<string, unknown> = {
      url: location.href,
      session: this.client.session,
      params: { _csrf_token: this.client.csrf, _mounts: this.joins },
    };
    if (this.flash) params.flash = this.flash;
    return params;
  }

  join(): void {
    this.#setState(LOADING);
    if (this.client.socket.connected) this.channel.join();
  }

  #joined(reply: ReplyPayload): void {
    if (reply.status !== "ok") return this.#refused(reply.response ?? {});
    this.#rejoinTries = 0;
    const rejoin = this.joins++ > 0;
    this.flash = undefined;
    // Forms being filled in survive the reconnect: record them, render, then put them back.
    const forms = rejoin ? this.#recordForms() : [];
    this.tree = createTree();
    this.update(reply.response.rendered);
    this.#setState(CONNECTED);
    for (const [id, pairs, event] of forms) {
      const form = document.getElementById(id) as HTMLFormElement | null;
      if (!form) continue;
      restoreForm(form, pairs);
      this.push("change", form, event, serializeForm(form));
    }
    if (rejoin) for (const hook of this.#hooks.values()) hook.reconnected?.();
  }

  #recordForms(): [string, [string, string][], string][] {
    const forms: [string, [string, string][], string][] = [];
    for (const form of Array.from(this.el.querySelectorAll<HTMLFormElement>("form[id][phx-change]"))) {
      forms.push([form.id, formPairs(form), form.getAttribute("phx-change")!]);
    }
    return forms;
  }

  #refused(response: { redirect?: { to: string; flash?: string }; live_redirect?: { to: string; kind?: string; flash?: string }; code?: string }): void {
    if (response.redirect) return this.client.redirect(response.redirect.to, response.redirect.flash);
    if (response.live_redirect) return this.client.navigate(response.live_redirect.to, { replace: true, flash: response.live_redirect.flash });
    // Stale or forged tokens, or a URL no live view serves: a fresh page load settles it.
    this.#setState(ERRORED);
    this.client.reloadOnce();
  }

  /** The socket dropped or the view crashed on the server. */
  #lost(crashed: boolean): void {
    // Hooks hear of an outage once, not once per failed reconnection attempt.
    if (this.el.classList.contains(CONNECTED)) for (const hook of this.#hooks.values()) hook.disconnected?.();
    this.#setState(ERRORED);
    if (crashed) setTimeout(() => this.channel.join(), Math.min(5000, 100 * 2 ** this.#rejoinTries++));
  }

  disconnected(): void {
    this.#lost(false);
  }

  #setState(cls: string): void {
    this.el.classList.remove(CONNECTED, LOADING, ERRORED);
    this.el.classList.add(cls);
  }

  update(diff: WireDiff): void {
    merge(this.tree, diff);
    if (diff.t !== undefined) document.title = diff.t;
    if (Object.keys(diff).some((k) => k !== "e" && k !== "t")) this.#patch();
    for (const [event, payload] of diff.e ?? []) {
      for (const [name, handler] of [...this.#handlers]) if (name === event) handler(payload);
      window.dispatchEvent(new CustomEvent(`phx:${event}`, { detail: payload }));
    }
  }

  #patch(): void {
    const updated = new Set<Element>();
    const focused = document.activeElement;
    morphdom(this.el, `<div>${toHTML(this.tree)}</div>`, {
      childrenOnly: true,
      onBeforeElUpdated: (from, to) => {
        if (from.getAttribute("phx-update") === "ignore" || this.#frozen.has(from)) return false;
        // The focused field keeps what the user is typing (and so its caret and selection); so does
        // one whose changes are still in flight: a reply to an older keystroke must not undo newer ones.
        if ((from instanceof HTMLInputElement || from instanceof HTMLTextAreaElement) && (from === focused || this.#changing(from))) {
          (to as HTMLInputElement).value = from.value;
        }
        for (const cls of this.#inFlight.get(from) ?? []) to.classList.add(cls);
        reapply(from, to);
        // Only a real change is an update for a hook (not every patch of the page).
        if (from.hasAttribute("phx-hook") && !from.isEqualNode(to)) updated.add(from);
        return true;
      },
    });
    this.#runHooks(updated);
  }

  #runHooks(updated: Set<Element>): void {
    for (const [el, hook] of this.#hooks) {
      if (!this.el.contains(el)) this.#destroy(el, hook);
      else if (updated.has(el)) hook.updated?.();
    }
    for (const el of Array.from(this.el.querySelectorAll<HTMLElement>("[phx-hook]"))) {
      if (this.#hooks.has(el)) continue;
      const definition = this.client.hooks[el.getAttribute("phx-hook")!];
      if (!definition) continue;
      const hook = Object.create(definition) as Hook;
      hook.el = el;
      hook.view = this;
      hook.pushEvent = (event, payload = {}, onReply) => this.push("hook", el, event, payload, undefined, onReply);
      hook.handleEvent = (event, callback) => void this.#handlers.push([event, callback, hook]);
      this.#hooks.set(el, hook);
      hook.mounted?.();
    }
  }

  /**
   * Sends an event for `el`; while it is in flight the element carries phx-<type>-loading (and a
   * submitted form is locked). "submit" and "change" go on the wire as type "form". The reply's
   * diff is applied and its value handed to `onReply`.
   */
  push(type: string, el: Element, event: string, value: unknown, target?: number, onReply?: (reply: unknown) => void): void {
    const cid = target ?? cidOf(el);
    const landed = this.#startFlight(type, el);
    const wire = type === "submit" || type === "change" ? "form" : type;
    this.channel.push(LIVE.event, { type: wire, event, value, ...(cid ? { cid } : {}) }, (reply) => {
      landed();
      if (reply.status !== "ok") return;
      const diff = reply.response?.[REPLY_DIFF];
      if (diff) this.update(diff);
      onReply?.(reply.response?.[REPLY_VALUE]);
    });
  }

  /** True while a submit of this form is in flight (double submits are ignored). */
  locked(form: Element): boolean {
    return !!this.#inFlight.get(form)?.includes("phx-submit-loading");
  }

  /** True while a change event of this field (or of its form) awaits its reply. */
  #changing(field: HTMLInputElement | HTMLTextAreaElement): boolean {
    return [field, field.form].some((el) => el && this.#inFlight.get(el)?.includes("phx-change-loading"));
  }

  /**
   * Marks `el` loading; returns what ends it. A kind of event in flight several times on one
   * element stays marked until the last reply. A change in flight does not hold up a submit.
   */
  #startFlight(type: string, el: Element): () => void {
    const cls = `phx-${type}-loading`;
    const classes = this.#inFlight.get(el) ?? [];
    this.#inFlight.set(el, classes);
    const first = !classes.includes(cls);
    classes.push(cls);
    el.classList.add(cls);
    const undos: (() => void)[] = [() => el.classList.remove(cls)];
    if (first && cls === "phx-submit-loading") {
      for (const button of Array.from(el.querySelectorAll<HTMLButtonElement>("button, input[type=submit]"))) {
        const text = button.getAttribute("phx-disable-with");
        const { disabled, innerText } = button;
        button.disabled = true;
        if (text !== null) button.innerText = text;
        this.#frozen.add(button);
        undos.push(() => {
          this.#frozen.delete(button);
          button.disabled = disabled;
          if (text !== null) button.innerText = innerText;
        });
      }
    }
    return () => {
      classes.splice(classes.indexOf(cls), 1);
      if (!classes.includes(cls)) undos.forEach((undo) => undo());
      if (classes.length === 0) this.#inFlight.delete(el);
    };
  }

  /** A hook whose element left the page: it hears no more server events. */
  #destroy(el: Element, hook: Hook): void {
    this.#hooks.delete(el);
    this.#handlers = this.#handlers.filter((h) => h[2] !== hook);
    hook.destroyed?.();
  }

  leave(): void {
    for (const [el, hook] of this.#hooks) this.#destroy(el, hook);
    this.channel.leave();
  }
}

/** phx-target="<cid>" on the element or an ancestor sends the event to that component. */
function cidOf(el: Element): number | undefined {
  const target = el.closest("[phx-target]")?.getAttribute("phx-target");
  const cid = target ? Number(target) : NaN;
  return Number.isInteger(cid) && cid > 0 ? cid : undefined;
}
