// The counter demo: the smallest page that shows the engine end to end. Until the live runtime
// lands it works as plain HTML: the buttons are links carrying the next count.

import { html } from "../src/switchboard/index.ts";

export interface CounterAssigns {
  count: number;
}

export const counter = ({ count }: CounterAssigns) => html`
  <main class="counter">
    <h1>Count: <span class="counter__value">${count}</span></h1>
    <a class="counter__button" href=${`?count=${count - 1}`}>-</a>
    <a class="counter__button" href=${`?count=${count + 1}`}>+</a>
  </main>`;

/** Reads the count from a query value; anything that is not a safe integer counts as 0. */
export function parseCount(value: unknown): number {
  const n = typeof value === "string" && /^-?\d{1,15}$/.test(value) ? Number(value) : 0;
  return Number.isSafeInteger(n) ? n : 0;
}
