// Backpressure (issue 9): a client that stops taking what the server sends is closed once more than
// limits.maxBufferedBytes waits for it (websocket bufferedAmount, or the long-poll queue between
// polls), its views and channels end, what was buffered is dropped; clients that keep up on the same
// topic miss nothing. The limit is checked at registration.

import { randomBytes } from "node:crypto";
import Fastify from "fastify";
import { afterEach, describe, expect, test } from "vitest";
import { defineChannel, reply } from "../../src/switchboard/channel.ts";
import type { Logger } from "../../src/switchboard/endpoint.ts";
import { SwitchboardError } from "../../src/switchboard/errors.ts";
import { html } from "../../src/switchboard/index.ts";
import { defineLive } from "../../src/switchboard/live-view.ts";
import { switchboard, type SwitchboardOptions } from "../../src/switchboard/plugin.ts";
import { LiveClient, loadPage, startServer, TestSocket, type TestServer } from "../support/socket-client.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const Feed = defineChannel({ topic: "feed:*", join: () => reply.ok() });

const Ticker = defineLive<{ n: number; fill: string }, {}>({
  mount(_c, socket) {
    socket.assign({ n: 0, fill: "" });
    if (socket.connected) socket.subscribe("ticker");
  },
  handleInfo(message, socket) {
    const { n, fill } = message.payload as { n: number; fill: string };
    socket.assign({ n, fill });
  },
  render: ({ n, fill }) => html`<p>${n}</p><pre>${fill}</pre>`,
});

const LIMIT = 256 * 1024;
/** Incompressible filler, so the bytes on the wire are the bytes counted. */
const FILL = randomBytes(12 * 1024).toString("base64");
/** Far more than the kernel's socket buffers on both ends plus the limit. */
const MAX_FRAMES = 4000;

let servers: TestServer[] = [];
let sockets: TestSocket[] = [];
let warnings: Record<string, any>[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  warnings = [];
});

async function start(options: SwitchboardOptions = {}): Promise<TestServer> {
  const record = (obj: unknown) => void warnings.push(obj as Record<string, any>);
  const log: Logger = { info() {}, warn: record, error() {}, debug() {} };
  const server = await startServer({ channels: [Feed], liveRoutes: { "/": Ticker }, log, longPollTimeoutMs: 5000, limits: { maxBufferedBytes: LIMIT }, ...options });
  servers.push(server);
  return server;
}

async function connect(server: TestServer, cookie?: string): Promise<TestSocket> {
  const socket = await TestSocket.connect(server, { cookie });
  sockets.push(socket);
  return socket;
}

async function join(socket: TestSocket, topic: string): Promise<void> {
  const ref = socket.nextRef();
  const waiting = socket.waitFor((f) => f[1] === ref);
  socket.send([ref, ref, topic, "phx_join", {}]);
  expect((await waiting)[4].status).toBe("ok");
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

function slowClientWarnings(): Record<string, any>[] {
  return warnings.filter((w) => w.code === "SB_ERR_SLOW_CLIENT");
}

describe("a websocket client that stops reading", () => {
  test("is closed once more than limits.maxBufferedBytes waits for it; a client keeping up on the topic receives every broadcast", async () => {
    const server = await start();
    const endpoint = server.app.switchboard;
    const [healthy, stalled] = [await connect(server), await connect(server)];
    await join(healthy, "feed:a");
    await join(stalled, "feed:a");
    let received = 0;
    const order: number[] = [];
    healthy.ws.on("message", (data) => {
      const [, , , event, payload] = JSON.parse(data.toString());
      if (event === "tick") order.push(payload.i), received++;
    });
    stalled.ws.pause();

    let sent = 0;
    while (endpoint.connections.size === 2 && sent < MAX_FRAMES) {
      // A few frames at a time, as fast as the healthy client takes them.
      for (let k = 0; k < 4; k++) endpoint.pubsub.broadcast("feed:a", "tick", { i: sent++, fill: FILL });
      await until(() => received === sent);
    }

    expect(endpoint.connections.size).toBe(1);
    expect(endpoint.pubsub.subscriberCount("feed:a")).toBe(1);
    expect(order).toEqual(Array.from({ length: sent }, (_, i) => i));
    const [warning, ...more] = slowClientWarnings();
    expect(more).toEqual([]);
    // Memory held for it never passed the limit by more than one frame.
    const frameBytes = JSON.stringify([null, null, "feed:a", "tick", { i: sent, fill: FILL }]).length;
    expect(warning).toMatchObject({ limit: LIMIT, buffered: expect.any(Number) });
    expect(warning!.buffered).toBeGreaterThan(LIMIT);
    expect(warning!.buffered).toBeLessThanOrEqual(LIMIT + frameBytes);
    // The socket itself is cut off (it never completes the closing handshake), dropping its buffer.
    await until(() => server.app.websocketServer.clients.size === 1);

    endpoint.pubsub.broadcast("feed:a", "tick", { i: sent, fill: "after" });
    await until(() => received === sent + 1);
  });

  test("a live view whose client stops reading its diffs ends; a view on the same topic keeps current state", async () => {
    const server = await start();
    const endpoint = server.app.switchboard;
    const page = await loadPage(server, "/");
    const healthy = await LiveClient.join(await connect(server, page.cookie), page, server, "/");
    const stalledSocket = await connect(server, page.cookie);
    await LiveClient.join(stalledSocket, await loadPage(server, "/", page.cookie), server, "/");
    expect(endpoint.pubsub.subscriberCount("ticker")).toBe(2);
    stalledSocket.ws.pause();

    let n = 0;
    while (endpoint.connections.size === 2 && n < MAX_FRAMES) {
      endpoint.pubsub.broadcast("ticker", "tick", { n: ++n, fill: `${n}${FILL}` });
      await until(() => healthy.html().startsWith(`<p>${n}</p>`));
    }

    expect(endpoint.connections.size).toBe(1);
    expect(endpoint.pubsub.subscriberCount("ticker")).toBe(1);
    expect(slowClientWarnings()).toHaveLength(1);
    await until(() => server.app.websocketServer.clients.size === 1);
    endpoint.pubsub.broadcast("ticker", "tick", { n: n + 1, fill: "current" });
    await until(() => healthy.html() === `<p>${n + 1}</p><pre>current</pre>`);
  });

  test("a client that keeps up is never closed, however much it is sent", async () => {
    const server = await start();
    const endpoint = server.app.switchboard;
    const socket = await connect(server);
    await join(socket, "feed:a");
    let received = 0;
    socket.ws.on("message", () => received++);
    const before = received;
    // 8 MiB in all: 32 times the limit.
    for (let sent = 1; sent <= 700; sent++) {
      endpoint.pubsub.broadcast("feed:a", "tick", { i: sent, fill: FILL });
      if (sent % 4 === 0) await until(() => received - before === sent);
    }
    expect(endpoint.connections.size).toBe(1);
    expect(slowClientWarnings()).toEqual([]);
  });
});

describe("a long-poll client that stops polling", () => {
  async function longPoll(server: TestServer, method: "GET" | "POST", token: string | null, body?: string): Promise<any> {
    const query = token === null ? "" : `?token=${encodeURIComponent(token)}`;
    const response = await fetch(`${server.url}/live/longpoll${query}`, { method, body, headers: method === "POST" ? { "content-type": "text/plain" } : {} });
    return response.json();
  }

  test("has its session ended once more than limits.maxBufferedBytes is queued for it; a websocket client on the topic receives every broadcast", async () => {
    const server = await start();
    const endpoint = server.app.switchboard;
    const healthy = await connect(server);
    await join(healthy, "feed:a");
    let received = 0;
    healthy.ws.on("message", () => received++);

    const { token } = await longPoll(server, "GET", null);
    expect(await longPoll(server, "POST", token, JSON.stringify(["1", "1", "feed:a", "phx_join", {}]))).toEqual({ status: 200 });
    const first = await longPoll(server, "GET", token);
    expect(first.messages).toEqual([["1", "1", "feed:a", "phx_reply", { status: "ok", response: {} }]]);
    expect(endpoint.connections.size).toBe(2);

    // It does not poll again.
    let sent = 0;
    while (endpoint.connections.size === 2 && sent < 100) {
      endpoint.pubsub.broadcast("feed:a", "tick", { i: sent++, fill: FILL });
      await until(() => received === sent);
    }

    expect(endpoint.connections.size).toBe(1);
    expect(endpoint.pubsub.subscriberCount("feed:a")).toBe(1);
    const frameBytes = JSON.stringify([null, null, "feed:a", "tick", { i: sent, fill: FILL }]).length;
    expect(sent).toBeLessThanOrEqual(Math.ceil(LIMIT / frameBytes) + 2);
    const [warning] = slowClientWarnings();
    expect(warning!.buffered).toBeGreaterThan(LIMIT);
    expect(warning!.buffered).toBeLessThanOrEqual(LIMIT + frameBytes);
    // Its next poll is told the session is gone (the browser client then reconnects and rejoins).
    expect((await longPoll(server, "GET", first.token)).status).toBe(410);
  });
});

describe("limits.maxBufferedBytes", () => {
  async function registerError(limits: Record<string, unknown>): Promise<SwitchboardError> {
    const app = Fastify();
    try {
      await app.register(switchboard, { limits: limits as SwitchboardOptions["limits"] });
      await app.ready();
    } catch (error) {
      expect(error).toBeInstanceOf(SwitchboardError);
      return error as SwitchboardError;
    } finally {
      await app.close().catch(() => {});
    }
    throw new Error("expected registration to fail");
  }

  test("defaults to 4 MiB; a value given is used, and undefined leaves the default", async () => {
    const app = Fastify();
    await app.register(switchboard, { limits: { maxBufferedBytes: undefined, idleTimeoutMs: 1234 } });
    expect(app.switchboard.limits.maxBufferedBytes).toBe(4 * 1024 * 1024);
    expect(app.switchboard.limits.idleTimeoutMs).toBe(1234);
    await app.close();
  });

  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, "4MB", null])("%s is refused at registration with SB_ERR_OPTION", async (value) => {
    const error = await registerError({ maxBufferedBytes: value });
    expect(error.code).toBe("SB_ERR_OPTION");
    expect(error.message).toMatch(/^SB_ERR_OPTION: The option limits\.maxBufferedBytes must be a finite number of at least 1; received /);
  });

  test("an unknown limit (a typo) is refused, naming the known ones", async () => {
    const error = await registerError({ maxBufferBytes: 1024 });
    expect(error.code).toBe("SB_ERR_OPTION");
    expect(error.message).toContain("limits.maxBufferBytes must be one of maxFrameBytes, rate, burst, maxRefused, idleTimeoutMs, maxBufferedBytes");
  });

  test("the other limits are checked the same way", async () => {
    expect((await registerError({ rate: 0 })).message).toContain("limits.rate");
    expect((await registerError({ idleTimeoutMs: "60s" })).message).toContain("limits.idleTimeoutMs");
    expect((await registerError({ maxRefused: -1 })).message).toContain("limits.maxRefused must be a finite number of at least 0");
  });
});
