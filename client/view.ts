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

/** While an event is in flight: the class on its element and how to undo its side effects. */
interface InFlight {
  cls: string;
  undo: () => void;
}

export class View {
  readonly client: LiveClient;
  readonly el: HTMLElement;
  readonly channel: Channel;
  tree: ClientTree = createTree();
  joins = 0;
  flash: string | undefined;
  readonly #hooks = new Map<Element, Hook>();
  readonly #handlers = new Map<string, Set<(payload: any) => void>>();
  readonly #inFlight = new Map<Element, InFlight>();
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
      this.push("form", form, event, serializeForm(form));
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
    this.#setState(ERRORED);
    for (const hook of this.#hooks.values()) hook.disconnected?.();
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
      for (const handler of this.#handlers.get(event) ?? []) handler(payload);
      window.dispatchEvent(new CustomEvent(`phx:${event}`, { detail: payload }));
    }
  }

  #patch(): void {
    const updated = new Set<Element>();
    const focused = document.activeElement;
    morphdom(this.el, `<div>${toHTML(this.tree)}</div>`, {
      childrenOnly: true,
      onBeforeElUpdated: (from, to) => {
        if (from.getAttribute("phx-update") === "ignore") return false;
        // The focused field keeps what the user is typing (and so its caret and selection).
        if (from === focused && (from instanceof HTMLInputElement || from instanceof HTMLTextAreaElement)) {
          (to as HTMLInputElement).value = from.value;
        }
        const flight = this.#inFlight.get(from);
        if (flight) to.classList.add(flight.cls);
        reapply(from, to);
        if (from.hasAttribute("phx-hook")) updated.add(from);
        return true;
      },
    });
    this.#runHooks(updated);
  }

  #runHooks(updated: Set<Element>): void {
    for (const [el, hook] of this.#hooks) {
      if (!this.el.contains(el)) {
        this.#hooks.delete(el);
        hook.destroyed?.();
      } else if (updated.has(el)) hook.updated?.();
    }
    for (const el of Array.from(this.el.querySelectorAll<HTMLElement>("[phx-hook]"))) {
      if (this.#hooks.has(el)) continue;
      const definition = this.client.hooks[el.getAttribute("phx-hook")!];
      if (!definition) continue;
      const hook = Object.create(definition) as Hook;
      hook.el = el;
      hook.view = this;
      hook.pushEvent = (event, payload = {}, onReply) => this.push("hook", el, event, payload, undefined, onReply);
      hook.handleEvent = (event, callback) => {
        if (!this.#handlers.has(event)) this.#handlers.set(event, new Set());
        this.#handlers.get(event)!.add(callback);
      };
      this.#hooks.set(el, hook);
      hook.mounted?.();
    }
  }

  /**
   * Sends an event for `el`; while it is in flight the element carries phx-<type>-loading (and a
   * form is locked). The reply's diff is applied and its value handed to `onReply`.
   */
  push(type: string, el: Element, event: string, value: unknown, target?: number, onReply?: (reply: unknown) => void): void {
    const cid = target ?? cidOf(el);
    const flight = this.#startFlight(type, el);
    this.channel.push(LIVE.event, { type, event, value, ...(cid ? { cid } : {}) }, (reply) => {
      flight?.undo();
      if (flight) this.#inFlight.delete(el);
      if (reply.status !== "ok") return;
      const diff = reply.response?.[REPLY_DIFF];
      if (diff) this.update(diff);
      onReply?.(reply.response?.[REPLY_VALUE]);
    });
  }

  /** True while a submit of this form is in flight (double submits are ignored). */
  locked(form: Element): boolean {
    return this.#inFlight.has(form);
  }

  #startFlight(type: string, el: Element): InFlight | null {
    if (this.#inFlight.has(el)) return null;
    const cls = `phx-${type === "form" ? (el.tagName === "FORM" && el.hasAttribute("phx-submit") ? "submit" : "change") : type}-loading`;
    el.classList.add(cls);
    const undos: (() => void)[] = [() => el.classList.remove(cls)];
    if (cls === "phx-submit-loading") {
      for (const button of Array.from(el.querySelectorAll<HTMLButtonElement>("button, input[type=submit]"))) {
        const text = button.getAttribute("phx-disable-with");
        const { disabled, innerText } = button;
        button.disabled = true;
        if (text !== null) button.innerText = text;
        undos.push(() => {
          button.disabled = disabled;
          if (text !== null) button.innerText = innerText;
        });
      }
    }
    const flight = { cls, undo: () => undos.forEach((undo) => undo()) };
    this.#inFlight.set(el, flight);
    return flight;
  }

  leave(): void {
    for (const hook of this.#hooks.values()) hook.destroyed?.();
    this.#hooks.clear();
    this.channel.leave();
  }
}

/** phx-target="<cid>" on the element or an ancestor sends the event to that component. */
function cidOf(el: Element): number | undefined {
  const target = el.closest("[phx-target]")?.getAttribute("phx-target");
  const cid = target ? Number(target) : NaN;
  return Number.isInteger(cid) && cid > 0 ? cid : undefined;
}
