import Fastify from "fastify";
import { expect, test } from "vitest";
import { defineLive, html, switchboard } from "../../src/switchboard/index.ts";
import { live } from "../../src/testing/index.ts";

const Counter = defineLive<{ count: number }, { inc: { by?: string } }>({
  mount(_c, socket) { socket.assign({ count: 0 }); },
  handleEvent: { inc: ({ by }, socket) => socket.update("count", (c) => c + Number(by ?? 1)) },
  render: ({ count }) => html`<p>${count}</p><button phx-click="inc" phx-value-by="2">+2</button>`,
});

test("harness smoke", async () => {
  const app = Fastify();
  await app.register(switchboard, { liveRoutes: { "/": Counter }, limits: { rate: 1e9, burst: 1e9 } });
  const view = await live(app, "/");
  expect(view.render()).toContain("<p>0</p>");
  expect(await view.element("button").click()).toContain("<p>2</p>");
  let t = performance.now();
  for (let i = 0; i < 1000; i++) await view.element("button").click();
  console.log("click cycle us", ((performance.now() - t)).toFixed(1));
  t = performance.now();
  for (let i = 0; i < 200; i++) { const v = await live(app, "/"); await v.element("button").click(); v.close(); }
  console.log("mount+click us", ((performance.now() - t) / 200 * 1000).toFixed(1));
  await app.close();
});
