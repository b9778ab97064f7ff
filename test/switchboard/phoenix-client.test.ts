// Proof with the real client: the official `phoenix` npm package connects to a running server on
// 127.0.0.1, joins a channel, pushes and receives replies and broadcasts, and joins a live view's
// topic, pushes an event and receives the diff, which the shared merge applies.

import { Socket, type Channel, type Push } from "phoenix";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { defineChannel, reply } from "../../src/switchboard/channel.ts";
import { html } from "../../src/switchboard/index.ts";
import { defineLive } from "../../src/switchboard/live-view.ts";
import { createTree, merge, toHTML } from "../../src/switchboard/merge.ts";
import { loadPage, startServer, type TestServer } from "../support/socket-client.ts";

const Room = defineChannel<{ user: string }>({
  topic: "room:*",
  join(topic, payload, socket) {
    if (topic === "room:closed") return reply.error({ reason: "closed" });
    socket.assigns.user = String(payload.user);
    return reply.ok({ hello: socket.assigns.user, socketId: socket.socketId });
  },
  handleIn(event, payload, socket) {
    if (event === "ping") return reply.ok({ pong: payload.n });
    if (event === "shout") {
      socket.broadcastFrom("shout", { from: socket.assigns.user, text: payload.text });
      return reply.ok();
    }
    return reply.error({ reason: "unknown" });
  },
});

const Counter = defineLive<{ count: number }, { inc: {} }>({
  title: "Counter",
  mount(_context, socket) {
    socket.assign({ count: 0 });
  },
  handleEvent: {
    inc: (_value, socket) => socket.update("count", (c) => c + 1),
  },
  render: ({ count }) => html`<p>Count: <b>${count}</b></p>`,
});

let server: TestServer;
const clients: Socket[] = [];

beforeEach(async () => {
  server = await startServer({
    channels: [Room],
    liveRoutes: { "/counter": Counter },
    connect: (params) => ({ id: params.user ? `user:${params.user}` : undefined }),
  });
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await server.close();
});

/** A phoenix Socket over `ws`, whose handshake carries the page's cookie and origin. */
function phoenixSocket(options: { cookie?: string; params?: Record<string, string>; heartbeatIntervalMs?: number } = {}): Socket {
  const headers: Record<string, string> = { origin: server.url };
  if (options.cookie) headers.cookie = options.cookie;
  class Transport extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const socket = new Socket(`${server.url.replace("http", "ws")}/live`, {
    transport: Transport,
    params: options.params ?? {},
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    reconnectAfterMs: () => 60_000,
    rejoinAfterMs: () => 60_000,
    timeout: 3000,
  });
  clients.push(socket);
  socket.connect();
  return socket;
}

/** Resolves with the response of the push's "ok" reply; rejects on "error" or "timeout". */
function ok(push: Push): Promise<any> {
  return new Promise((resolve, reject) => {
    push
      .receive("ok", resolve)
      .receive("error", (response) => reject(new Error(`error reply: ${JSON.stringify(response)}`)))
      .receive("timeout", () => reject(new Error("timeout")));
  });
}

/** Resolves with the response of the push's "error" reply. */
function refused(push: Push): Promise<any> {
  return new Promise((resolve, reject) => {
    push.receive("ok", (response) => reject(new Error(`ok reply: ${JSON.stringify(response)}`))).receive("error", resolve).receive("timeout", () => reject(new Error("timeout")));
  });
}

function next(channel: Channel, event: string): Promise<any> {
  return new Promise((resolve) => {
    const ref = channel.on(event, (payload) => {
      channel.off(event, ref);
      resolve(payload);
    });
  });
}

describe("channels with the phoenix client", () => {
  test("joins a channel with params from the socket's connect params, and the join reply arrives", async () => {
    const socket = phoenixSocket({ params: { user: "ann" } });
    const channel = socket.channel("room:lobby", { user: "ann" });
    expect(await ok(channel.join())).toEqual({ hello: "ann", socketId: "user:ann" });
    expect(socket.isConnected()).toBe(true);
    expect(channel.state).toBe("joined");
  });

  test("push(...).receive(\"ok\") gets the channel's reply", async () => {
    const channel = phoenixSocket().channel("room:lobby", { user: "ann" });
    await ok(channel.join());
    expect(await ok(channel.push("ping", { n: 41 }))).toEqual({ pong: 41 });
    expect(await ok(channel.push("ping", { n: 42 }))).toEqual({ pong: 42 });
  });

  test("push(...).receive(\"error\") gets an error reply", async () => {
    const channel = phoenixSocket().channel("room:lobby", { user: "ann" });
    await ok(channel.join());
    expect(await refused(channel.push("nonsense", {}))).toEqual({ reason: "unknown" });
  });

  test("a refused join and an unmatched topic arrive as error replies", async () => {
    const socket = phoenixSocket();
    expect(await refused(socket.channel("room:closed", { user: "ann" }).join())).toEqual({ reason: "closed" });
    expect(await refused(socket.channel("nowhere", {}).join())).toEqual({ reason: "unmatched topic", code: "SB_ERR_UNMATCHED_TOPIC" });
  });

  test("channel.on(...) receives a broadcast from another client; the sender does not", async () => {
    const ann = phoenixSocket().channel("room:lobby", { user: "ann" });
    const bob = phoenixSocket().channel("room:lobby", { user: "bob" });
    await ok(ann.join());
    await ok(bob.join());
    const annHeard: unknown[] = [];
    ann.on("shout", (payload) => annHeard.push(payload));
    const bobHears = next(bob, "shout");
    await ok(ann.push("shout", { text: "hi" }));
    expect(await bobHears).toEqual({ from: "ann", text: "hi" });
    await ok(ann.push("ping", { n: 1 }));
    expect(annHeard).toEqual([]);
  });

  test("channel.on(...) receives a server-side PubSub broadcast on the topic", async () => {
    const channel = phoenixSocket().channel("room:news", { user: "ann" });
    await ok(channel.join());
    const heard = next(channel, "headline");
    server.app.switchboard.pubsub.broadcast("room:news", "headline", { title: "sale" });
    expect(await heard).toEqual({ title: "sale" });
  });

  test("leave() is answered with an ok reply and phx_close, and the channel is gone on the server", async () => {
    const socket = phoenixSocket();
    const channel = socket.channel("room:lobby", { user: "ann" });
    await ok(channel.join());
    expect(server.app.switchboard.pubsub.subscriberCount("room:lobby")).toBe(1);
    const seen: string[] = [];
    const closed = new Promise<void>((resolve) =>
      socket.onMessage((message) => {
        if (message.topic !== "room:lobby") return;
        seen.push(message.event === "phx_reply" ? `${message.event} ${message.payload.status}` : message.event);
        if (message.event === "phx_close") resolve();
      }),
    );
    // This client resolves leave() at once (the channel is no longer joined), so wait for the wire.
    await ok(channel.leave());
    await closed;
    expect(seen).toEqual(["phx_reply ok", "phx_close"]);
    expect(server.app.switchboard.pubsub.subscriberCount("room:lobby")).toBe(0);
  });

  test("the client's heartbeats are answered, so it stays connected", async () => {
    const socket = phoenixSocket({ heartbeatIntervalMs: 40 });
    let replies = 0;
    socket.onMessage((message) => {
      if (message.topic === "phoenix" && message.event === "phx_reply" && message.payload.status === "ok") replies++;
    });
    await ok(socket.channel("room:lobby", { user: "ann" }).join());
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(replies).toBeGreaterThanOrEqual(3);
    expect(socket.isConnected()).toBe(true);
  });
});

describe("a live view with the phoenix client", () => {
  test("joins lv:<id> with the page's session and CSRF token, pushes an event and receives the diff", async () => {
    const page = await loadPage(server, "/counter");
    expect(page.status).toBe(200);
    const socket = phoenixSocket({ cookie: page.cookie });
    const channel = socket.channel(`lv:${page.id}`, { url: `${server.url}/counter`, session: page.session, params: { _csrf_token: page.csrf } });
    const joined = await ok(channel.join());
    const tree = createTree();
    merge(tree, joined.rendered);
    expect(toHTML(tree)).toBe("<p>Count: <b>0</b></p>");

    const first = await ok(channel.push("event", { type: "click", event: "inc", value: {} }));
    expect(first.diff).toEqual({ 0: "1" });
    merge(tree, first.diff);
    expect(toHTML(tree)).toBe("<p>Count: <b>1</b></p>");

    const second = await ok(channel.push("event", { type: "click", event: "inc", value: {} }));
    merge(tree, second.diff);
    expect(toHTML(tree)).toBe("<p>Count: <b>2</b></p>");
  });

  test("a live join without the page's cookie is refused with SB_ERR_CSRF", async () => {
    const page = await loadPage(server, "/counter");
    const channel = phoenixSocket().channel(`lv:${page.id}`, { url: `${server.url}/counter`, session: page.session, params: { _csrf_token: page.csrf } });
    const response = await refused(channel.join());
    expect(response.code).toBe("SB_ERR_CSRF");
    channel.leave();
  });
});
