// The counter demo: the smallest live view. Its buttons are links carrying the next count, so the
// page works as plain HTML; with the client loaded, phx-click sends events over the socket instead.

import { defineLive, html, type Params } from "../src/switchboard/index.ts";

export interface CounterAssigns {
  count: number;
}

export interface CounterEvents {
  [name: string]: Record<string, string>;
  inc: Record<string, string>;
  dec: Record<string, string>;
}

export const counterTemplate = ({ count }: CounterAssigns) => html`
  <main class="counter">
    <h1>Count: <span class="counter__value">${count}</span></h1>
    <a class="counter__button" href=${`?count=${count - 1}`} phx-click="dec">-</a>
    <a class="counter__button" href=${`?count=${count + 1}`} phx-click="inc">+</a>
  </main>`;

/** Reads the count from a query value; anything that is not a safe integer counts as 0. */
export function parseCount(value: unknown): number {
  const n = typeof value === "string" && /^-?\d{1,15}$/.test(value) ? Number(value) : 0;
  return Number.isSafeInteger(n) ? n : 0;
}

export const Counter = defineLive<CounterAssigns, CounterEvents>({
  title: "Switchboard counter",
  mount(_context, socket) {
    socket.assign({ count: 0 });
  },
  handleParams(params: Params, _url, socket) {
    socket.assign({ count: parseCount(params.count) });
  },
  handleEvent: {
    inc: (_value, socket) => socket.update("count", (n) => n + 1),
    dec: (_value, socket) => socket.update("count", (n) => n - 1),
  },
  render: counterTemplate,
});
