// Stateful live components: children of a live view with their own assigns, their own
// handleEvent (reached with phx-target=${myself}), updated with new props by the parent's render
// or by sendUpdate. They render into the diff's `c` table under their component id.

import { sbError } from "./errors.ts";
import { ComponentCall } from "./rendered.ts";
import type { TemplateResult } from "./template.ts";
import type { EventMap, EventResult, RenderMeta } from "./live-view.ts";

export interface ComponentSocket<S extends object> {
  /** The component id: render it as phx-target to send events here. */
  readonly cid: number;
  readonly assigns: Readonly<S>;
  assign(values: Partial<S>): void;
  update<K extends keyof S>(key: K, fn: (value: S[K]) => S[K]): void;
  /** An event for the client's hooks. */
  pushEvent(event: string, payload: Record<string, unknown>): void;
  /** A message to the parent view's handleInfo. */
  sendParent(event: string, payload?: unknown): void;
}

export type ComponentEventHandlers<S extends object, E extends EventMap> = {
  [K in keyof E]?: (value: E[K], socket: ComponentSocket<S>) => EventResult | Promise<EventResult>;
};

export interface LiveComponent<P extends object, S extends object = P, E extends EventMap = EventMap> {
  /** Runs once, when the component first appears. */
  mount?(socket: ComponentSocket<S>): void;
  /** Receives the props on every render of the parent; by default they are assigned as they are. */
  update?(props: P, socket: ComponentSocket<S>): void;
  readonly handleEvent?: ComponentEventHandlers<S, E>;
  render(assigns: Readonly<S>, meta: RenderMeta & { myself: number }): TemplateResult;
}

export function defineComponent<P extends object, S extends object = P, E extends EventMap = EventMap>(
  component: LiveComponent<P, S, E>,
): LiveComponent<P, S, E> {
  if (typeof component?.render !== "function") throw sbError("SB_ERR_VIEW_DEFINITION", "render(assigns, meta) in a component", typeof component?.render);
  for (const hook of ["mount", "update"] as const) {
    if (component[hook] !== undefined && typeof component[hook] !== "function") throw sbError("SB_ERR_VIEW_DEFINITION", `${hook} to be a function`, typeof component[hook]);
  }
  return component;
}

/** Places a stateful component in a template: `${liveComponent(Cart, { id: "cart", items })}`. */
export function liveComponent<P extends object>(component: LiveComponent<P, any, any>, props: P & { id: string | number }): ComponentCall {
  if (typeof component?.render !== "function") throw sbError("SB_ERR_VIEW_DEFINITION", "a component from defineComponent()", typeof component);
  if (typeof props?.id !== "string" && typeof props?.id !== "number") throw sbError("SB_ERR_COMPONENT_ID", JSON.stringify(props?.id) ?? "undefined");
  return new ComponentCall(component, props);
}
