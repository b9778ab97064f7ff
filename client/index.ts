// The browser client's entry: finds the live roots of the page, opens one socket for the tab,
// joins each view, binds the phx-* attributes, and carries out navigation. Custom behaviour
// goes in hooks: window.SwitchboardHooks = { Name: { mounted() {…} } } before this script.

import { bind } from "./bindings.ts";
import { Socket } from "./socket.ts";
import { View, type Hook } from "./view.ts";

const FLASH_COOKIE = "_sb_flash";
const RELOADED = "sb-reloaded-at";

export class LiveClient {
  readonly socket: Socket;
  readonly session: string;
  readonly csrf: string;
  readonly hooks: Record<string, Partial<Hook>>;
  readonly views = new Map<Element, View>();
  main: View | null = null;

  constructor(hooks: Record<string, Partial<Hook>> = {}) {
    const base = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/live`;
    this.socket = new Socket({
      url: `${base}/websocket`,
      longPollUrl: `${location.origin}/live/longpoll`,
      onState: (state) => {
        if (state === "closed") for (const view of this.views.values()) view.disconnected();
      },
    });
    this.hooks = hooks;
    this.csrf = document.querySelector<HTMLMetaElement>("meta[name='csrf-token']")?.content ?? "";
    const roots = Array.from(document.querySelectorAll<HTMLElement>("[data-phx-session]"));
    this.session = roots[0]?.getAttribute("data-phx-session") ?? "";
    for (const el of roots) {
      const view = new View(this, el, el.getAttribute("data-phx-flash") ?? undefined);
      this.views.set(el, view);
      if (el.hasAttribute("data-phx-main")) this.main = view;
    }
  }

  start(): void {
    if (this.views.size === 0) return;
    bind(this);
    for (const view of this.views.values()) view.join();
    this.socket.connect();
  }

  viewOf(el: Element): View | undefined {
    const root = el.closest("[data-phx-session]");
    return root ? this.views.get(root) : undefined;
  }

  history(to: string, replace: boolean): void {
    const url = new URL(to, location.href).href;
    if (url === location.href) return;
    history[replace ? "replaceState" : "pushState"]({ sb: true }, "", url);
  }

  /** A click on <a data-phx-link>: patch the current view, or navigate to another one. */
  follow(href: string, patch: boolean, replace: boolean): void {
    if (!patch || !this.main) return this.navigate(href, { replace });
    this.history(href, replace);
    this.#patchUrl();
  }

  /** Back/forward: the main view handles the URL if it can, otherwise the view for it is joined. */
  popstate(): void {
    this.#patchUrl();
  }

  #patchUrl(): void {
    const main = this.main;
    if (!main) return location.reload();
    main.channel.push("live_patch", { url: location.href }, (reply) => {
      if (reply.status === "ok") reply.response?.diff && main.update(reply.response.diff);
      else if (reply.status === "error") this.navigate(location.href, { replace: true, pushed: true });
    });
  }

  /** Another live view over the same socket: leave the main view and join the new one in its place. */
  navigate(to: string, options: { replace?: boolean; flash?: string; pushed?: boolean } = {}): void {
    const main = this.main;
    if (!main || new URL(to, location.href).origin !== location.origin) return this.redirect(to, options.flash);
    if (!options.pushed) this.history(to, options.replace ?? false);
    main.leave();
    this.views.delete(main.el);
    main.el.id = `phx-${Math.random().toString(36).slice(2, 14)}`;
    const view = new View(this, main.el, options.flash);
    this.views.set(main.el, view);
    this.main = view;
    view.join();
  }

  redirect(to: string, flash?: string): void {
    if (flash) document.cookie = `${FLASH_COOKIE}=${encodeURIComponent(flash)}; path=/; max-age=60; samesite=lax`;
    location.href = to;
  }

  /** Reloads the page to get fresh tokens, but not twice within 10 s (no reload loops). */
  reloadOnce(): void {
    const last = Number(sessionStorage.getItem(RELOADED) ?? 0);
    if (Date.now() - last < 10_000) return;
    sessionStorage.setItem(RELOADED, String(Date.now()));
    location.reload();
  }
}

declare global {
  interface Window {
    SwitchboardHooks?: Record<string, Partial<Hook>>;
    Switchboard?: LiveClient;
  }
}

function boot(): void {
  const client = new LiveClient(window.SwitchboardHooks);
  window.Switchboard = client;
  client.start();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
