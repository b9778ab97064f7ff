import { afterEach, expect, test } from "vitest";
import { defineLive } from "../../src/switchboard/live-view.ts";
import { html } from "../../src/switchboard/index.ts";
import { LiveClient, loadPage, startServer, TestSocket, type TestServer } from "../support/socket-client.ts";

let server: TestServer;
afterEach(() => server?.close());

const Counter = defineLive<{ count: number }, { inc: {} }>({
  mount(_c, socket) { socket.assign({ count: 0 }); },
  handleEvent: { inc: (_v, socket) => socket.update("count", (c) => c + 1) },
  render: ({ count }) => html`<p>${count}</p>`,
});

test("a live counter joins and increments over a real websocket", async () => {
  server = await startServer({ liveRoutes: { "/": Counter } });
  const page = await loadPage(server, "/");
  const socket = await TestSocket.connect(server, { cookie: page.cookie });
  const view = await LiveClient.join(socket, page, server, "/");
  expect(view.html()).toBe("<p>0</p>");
  await view.event("inc");
  expect(view.html()).toBe("<p>1</p>");
});
