// Live views as developers write them: defineLive() with typed assigns and typed events, and the
// LiveSocket a view's callbacks receive. The runtime that drives a definition lives in
// live-instance.ts (shared by the HTTP render and the connected process).

import type { TemplateResult } from "./template.ts";
import type { Presence } from "./presence.ts";
import type { Message, PubSub } from "./pubsub.ts";
import type { LiveComponent } from "./live-component.ts";
import { sbError } from "./errors.ts";
import type { Priority } from "./mailbox.ts";

export type Params = Record<string, string | string[]>;

/** An event's value: phx-value-* attributes for clicks and keys, the fields for forms. */
export type EventValue = Record<string, string | string[] | undefined>;
export type EventMap = Record<string, EventValue>;

export interface MountContext {
  /** Path parameters and query parameters of the URL. */
  readonly params: Params;
  readonly session: Readonly<Record<string, unknown>>;
  readonly url: URL;
  /**
   * True when this very request created the session (a first visit, during the HTTP render):
   * nothing can be stored under it yet, so a mount may skip reading what belongs to it.
   */
  readonly newSession: boolean;
}

export type Flash = Readonly<Record<string, string>>;

export interface RenderMeta {
  readonly flash: Flash;
  /** For components: this component's id, to use as phx-target. */
  readonly myself?: number;
}

/** What an event handler may return: a reply for the client's push (phx hooks). */
export type EventResult = void | { reply: Record<string, unknown> };

export interface NavigateOptions {
  replace?: boolean;
}

export type AsyncOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface LiveSocket<A extends object> {
  /** The view's DOM id; also its topic is `lv:<id>`. */
  readonly id: string;
  /** False for the plain HTTP render, true once the browser has joined over the socket. */
  readonly connected: boolean;
  readonly assigns: Readonly<A>;
  readonly session: Readonly<Record<string, unknown>>;
  readonly url: URL;
  readonly flash: Flash;
  readonly pubsub: PubSub;
  /** Sets assigns; only values that differ (!==) count as changes. */
  assign(values: Partial<A>): void;
  update<K extends keyof A>(key: K, fn: (value: A[K]) => A[K]): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  broadcast(topic: string, event: string, payload: unknown): void;
  /** Broadcast to every subscriber but this view. */
  broadcastFrom(topic: string, event: string, payload: unknown): void;
  /** An event for the client's hooks (phx-hook handleEvent). */
  pushEvent(event: string, payload: Record<string, unknown>): void;
  /** New URL for the same view: handleParams runs, the browser's URL changes without a reload. */
  pushPatch(to: string, options?: NavigateOptions): void;
  /** Another live view over the same socket, without a full reload. */
  pushNavigate(to: string, options?: NavigateOptions): void;
  /** A full page load. */
  redirect(to: string): void;
  putFlash(kind: string, message: string): void;
  clearFlash(kind?: string): void;
  setTitle(title: string): void;
  /** Sends a message to this view's own handleInfo, now or after `delayMs`. Returns a cancel. */
  sendInfo(event: string, payload?: unknown, delayMs?: number): () => void;
  /** Runs `task` without blocking the view; `done` runs in the view's turn with the outcome. */
  startAsync<T>(task: () => Promise<T>, done: (outcome: AsyncOutcome<T>, socket: LiveSocket<A>) => void): void;
  /** Tracks this view's presence under `topic`/`key` (connected views only); it ends with the view. */
  track(topic: string, key: string, meta?: Record<string, unknown>): void;
  /** Replaces the metadata this view tracks under `topic`/`key`. */
  updatePresence(topic: string, key: string, meta: Record<string, unknown>): void;
  untrack(topic: string, key: string): void;
  readonly presence: Presence;
  /** Updates a stateful component of this view with new props. */
  sendUpdate<P extends object>(component: LiveComponent<P, any>, id: string | number, props: Partial<P>): void;
}

export type EventHandlers<A extends object, E extends EventMap> = {
  [K in keyof E]?: (value: E[K], socket: LiveSocket<A>) => EventResult | Promise<EventResult>;
};

export interface LiveView<A extends object, E extends EventMap = EventMap> {
  /** The page title for this view (it may also call socket.setTitle). */
  readonly title?: string;
  /**
   * "high" for a view that must stay live while a broadcast reaches thousands of others (an
   * operator's dashboard): when views wait for a turn of the loop, it runs before every "normal"
   * one. Default "normal". Keep it for a few views: many high ones wait on each other again.
   */
  readonly priority?: Priority;
  mount(context: MountContext, socket: LiveSocket<A>): void | Promise<void>;
  handleParams?(params: Params, url: URL, socket: LiveSocket<A>): void | Promise<void>;
  readonly handleEvent?: EventHandlers<A, E>;
  handleInfo?(message: Message, socket: LiveSocket<A>): void | Promise<void>;
  render(assigns: Readonly<A>, meta: RenderMeta): TemplateResult;
  terminate?(reason: string, socket: LiveSocket<A>): void;
}

const hooks = ["mount", "handleParams", "handleInfo", "render", "terminate"] as const;

/** Declares a live view; misuse throws here, at definition time, not on a request. */
export function defineLive<A extends object, E extends EventMap = EventMap>(view: LiveView<A, E>): LiveView<A, E> {
  if (typeof view?.mount !== "function") throw sbError("SB_ERR_VIEW_DEFINITION", "mount(context, socket)", typeof view?.mount);
  if (typeof view.render !== "function") throw sbError("SB_ERR_VIEW_DEFINITION", "render(assigns, meta)", typeof view.render);
  if (view.priority !== undefined && view.priority !== "normal" && view.priority !== "high") {
    throw sbError("SB_ERR_VIEW_DEFINITION", 'priority to be "normal" or "high"', JSON.stringify(view.priority));
  }
  for (const hook of hooks) {
    if (view[hook] !== undefined && typeof view[hook] !== "function") throw sbError("SB_ERR_VIEW_DEFINITION", `${hook} to be a function`, typeof view[hook]);
  }
  for (const [name, handler] of Object.entries(view.handleEvent ?? {})) {
    if (typeof handler !== "function") throw sbError("SB_ERR_VIEW_DEFINITION", `handleEvent.${name} to be a function`, typeof handler);
  }
  return view;
}
