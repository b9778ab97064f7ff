// One client connection over a real websocket: every kind of bad input gets a clear error or a
// clean close and leaves the connection (or at least the others) working; heartbeats, the rate
// limit, the frame size limit, the idle timeout, the connect hook and socket ids, the Origin
// check, graceful shutdown, and arrival order.

import { afterEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { defineChannel, reply } from "../../src/switchboard/channel.ts";
import type { SwitchboardOptions } from "../../src/switchboard/plugin.ts";
import { startServer, TestSocket, type Frame, type TestServer } from "../support/socket-client.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const Echo = defineChannel({
  topic: "echo:*",
  join: (_topic, _payload, socket) => reply.ok({ socketId: socket.socketId, assigns: socket.connectAssigns }),
  async handleIn(event, payload) {
    if (event === "ping") return reply.ok(payload);
    if (event === "slow") {
      await sleep(Number(payload.ms));
      return reply.ok({ n: payload.n });
    }
    return reply.error({ reason: "unknown event" });
  },
});

/** A channel without handleIn: every event is unknown to it. */
const Mute = defineChannel({ topic: "mute", join: () => reply.ok() });

let servers: TestServer[] = [];
let sockets: TestSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: SwitchboardOptions = {}): Promise<TestServer> {
  const server = await startServer({ channels: [Echo, Mute], ...options });
  servers.push(server);
  return server;
}

async function connect(server: TestServer, options: Parameters<typeof TestSocket.connect>[1] = {}): Promise<TestSocket> {
  const socket = await TestSocket.connect(server, options);
  sockets.push(socket);
  return socket;
}

function seen(socket: TestSocket, test: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame> {
  const found = socket.received.find(test);
  return found ? Promise.resolve(found) : socket.waitFor(test, timeoutMs);
}

async function join(socket: TestSocket, topic: string, payload: Record<string, unknown> = {}): Promise<{ joinRef: string; reply: any }> {
  const joinRef = socket.nextRef();
  const waiting = socket.waitFor((f) => f[1] === joinRef && f[3] === "phx_reply");
  socket.send([joinRef, joinRef, topic, "phx_join", payload]);
  return { joinRef, reply: (await waiting)[4] };
}

/** The connection answers: a heartbeat gets its reply. */
async function expectAlive(socket: TestSocket): Promise<void> {
  const frame = await socket.push("phoenix", "heartbeat", {});
  expect(frame).toEqual([null, frame[1], "phoenix", "phx_reply", { status: "ok", response: {} }]);
}

/** The next phx_error on topic "phoenix" after sending `text`. */
async function phoenixError(socket: TestSocket, text: string | Buffer): Promise<Frame> {
  const waiting = socket.waitFor((f) => f[2] === "phoenix" && f[3] === "phx_error");
  if (typeof text === "string") socket.sendRaw(text);
  else socket.ws.send(text, { binary: true });
  return waiting;
}

/** Opens a websocket with the given headers and reports the upgrade's outcome. */
function upgrade(server: TestServer, headers: Record<string, string>): Promise<{ status: number; body: string } | { open: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/live/websocket?vsn=2.0.0`, { headers });
    ws.once("open", () => resolve({ open: ws }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once("error", (err) => {
      if (!String(err.message).includes("Unexpected server response")) reject(err);
    });
  });
}

describe("malformed frames", () => {
  test("malformed JSON gets phx_error on topic phoenix with SB_ERR_FRAME_JSON, and the connection still works", async () => {
    const server = await start();
    const socket = await connect(server);
    const frame = await phoenixError(socket, "{not json");
    expect(frame).toEqual([null, null, "phoenix", "phx_error", { reason: expect.stringMatching(/JSON/), code: "SB_ERR_FRAME_JSON" }]);
    await expectAlive(socket);
  });

  test("a binary message is treated as malformed JSON", async () => {
    const server = await start();
    const socket = await connect(server);
    expect((await phoenixError(socket, Buffer.from([1, 2, 3])))[4].code).toBe("SB_ERR_FRAME_JSON");
    await expectAlive(socket);
  });

  test.each([
    ["an object", `{"topic":"echo:a"}`],
    ["an array of 4", `["1","2","echo:a","ping"]`],
    ["an array of 6", `["1","2","echo:a","ping",{},{}]`],
    ["a number", `7`],
  ])("a frame that is %s gets phx_error SB_ERR_FRAME_SHAPE, and the connection still works", async (_name, text) => {
    const server = await start();
    const socket = await connect(server);
    const frame = await phoenixError(socket, text);
    expect(frame).toEqual([null, null, "phoenix", "phx_error", { reason: expect.stringMatching(/5 elements/), code: "SB_ERR_FRAME_SHAPE" }]);
    await expectAlive(socket);
  });

  test("a join_ref of the wrong type gets an error reply on the frame's topic and ref", async () => {
    const server = await start();
    const socket = await connect(server);
    const { joinRef } = await join(socket, "echo:a");
    const waiting = socket.waitFor((f) => f[1] === "77");
    socket.sendRaw(`[1,"77","echo:a","ping",{}]`);
    expect(await waiting).toEqual([null, "77", "echo:a", "phx_reply", { status: "error", response: { reason: expect.stringMatching(/join_ref/), code: "SB_ERR_FRAME_SHAPE" } }]);
    expect((await socket.push("echo:a", "ping", { ok: 1 }, joinRef))[4]).toEqual({ status: "ok", response: { ok: 1 } });
  });

  test("a ref of the wrong type gets phx_error on topic phoenix", async () => {
    const server = await start();
    const socket = await connect(server);
    const { joinRef } = await join(socket, "echo:a");
    const frame = await phoenixError(socket, `["${joinRef}",{"r":1},"echo:a","ping",{}]`);
    expect(frame).toEqual([null, null, "phoenix", "phx_error", { reason: expect.stringMatching(/^ref/), code: "SB_ERR_FRAME_SHAPE" }]);
    expect((await socket.push("echo:a", "ping", {}, joinRef))[4].status).toBe("ok");
  });

  test.each([
    ["a number", `[null,"77",42,"ping",{}]`],
    ["an empty string", `[null,"77","","ping",{}]`],
    ["too long", JSON.stringify([null, "77", "echo:" + "x".repeat(600), "ping", {}])],
  ])("a topic that is %s gets phx_error on topic phoenix carrying the ref", async (_name, text) => {
    const server = await start();
    const socket = await connect(server);
    const frame = await phoenixError(socket, text);
    expect(frame).toEqual([null, "77", "phoenix", "phx_error", { reason: expect.stringMatching(/topic/), code: "SB_ERR_FRAME_SHAPE" }]);
    await expectAlive(socket);
  });

  test.each([
    ["an event that is a number", `[null,"77","echo:a",5,{}]`, /event/],
    ["an empty event", `[null,"77","echo:a","",{}]`, /event/],
    ["a payload that is an array", `[null,"77","echo:a","ping",[]]`, /payload/],
    ["a payload that is a string", `[null,"77","echo:a","ping","x"]`, /payload/],
    ["a payload that is null", `[null,"77","echo:a","ping",null]`, /payload/],
  ])("%s gets an error reply on its topic, and the joined channel still works", async (_name, text, reason) => {
    const server = await start();
    const socket = await connect(server);
    const { joinRef } = await join(socket, "echo:a");
    const waiting = socket.waitFor((f) => f[1] === "77");
    socket.sendRaw(text);
    expect(await waiting).toEqual([null, "77", "echo:a", "phx_reply", { status: "error", response: { reason: expect.stringMatching(reason), code: "SB_ERR_FRAME_SHAPE" } }]);
    expect((await socket.push("echo:a", "ping", { still: true }, joinRef))[4]).toEqual({ status: "ok", response: { still: true } });
  });
});

describe("routing faults", () => {
  test("an event the channel has no handler for gets SB_ERR_UNKNOWN_EVENT and the channel keeps working", async () => {
    const server = await start();
    const socket = await connect(server);
    const { joinRef } = await join(socket, "mute");
    const frame = await socket.push("mute", "whatever", {}, joinRef);
    expect(frame[4]).toEqual({ status: "error", response: { reason: `unknown event "whatever"`, code: "SB_ERR_UNKNOWN_EVENT" } });
    expect((await socket.push("mute", "again", {}, joinRef))[4].response.code).toBe("SB_ERR_UNKNOWN_EVENT");
    expect([...[...server.app.switchboard.connections][0]!.processes.keys()]).toEqual(["mute"]);
  });

  test("a join to a topic no channel matches gets {reason: \"unmatched topic\"}", async () => {
    const server = await start();
    const socket = await connect(server);
    const { reply } = await join(socket, "nowhere:1");
    expect(reply).toEqual({ status: "error", response: { reason: "unmatched topic", code: "SB_ERR_UNMATCHED_TOPIC" } });
    expect((await join(socket, "echo:a")).reply.status).toBe("ok");
  });

  test("a message to a topic not joined gets {reason: \"unmatched topic\"}", async () => {
    const server = await start();
    const socket = await connect(server);
    const frame = await socket.push("echo:a", "ping", {});
    expect(frame).toEqual([null, frame[1], "echo:a", "phx_reply", { status: "error", response: { reason: "unmatched topic", code: "SB_ERR_UNMATCHED_TOPIC" } }]);
    await expectAlive(socket);
  });

  test("a second join to the same topic closes the first (phx_close with its join_ref) and the new one works", async () => {
    const server = await start();
    const socket = await connect(server);
    const first = await join(socket, "echo:a");
    const second = await join(socket, "echo:a");
    expect(second.reply.status).toBe("ok");
    const closed = await seen(socket, (f) => f[3] === "phx_close");
    expect(closed).toEqual([first.joinRef, first.joinRef, "echo:a", "phx_close", {}]);
    expect((await socket.push("echo:a", "ping", { n: 2 }, second.joinRef))[4]).toEqual({ status: "ok", response: { n: 2 } });
    expect((await socket.push("echo:a", "ping", {}, first.joinRef))[4].response.code).toBe("SB_ERR_STALE_JOIN");
    expect(server.app.switchboard.pubsub.subscriberCount("echo:a")).toBe(1);
  });
});

describe("limits", () => {
  test("a frame over limits.maxFrameBytes closes that connection with 1009; another connection is unaffected", async () => {
    const server = await start({ limits: { maxFrameBytes: 1024 } });
    const [big, other] = [await connect(server), await connect(server)];
    const { joinRef } = await join(big, "echo:a", {});
    expect((await big.push("echo:a", "ping", { fill: "x".repeat(900) }, joinRef))[4].status).toBe("ok");
    big.send([joinRef, "9", "echo:a", "ping", { fill: "x".repeat(2000) }]);
    expect((await big.closed).code).toBe(1009);
    await expectAlive(other);
    expect(server.app.switchboard.connections.size).toBe(1);
  });

  test("the default frame limit is 1 MiB", async () => {
    const server = await start();
    expect(server.app.switchboard.limits.maxFrameBytes).toBe(1024 * 1024);
    const socket = await connect(server);
    const { joinRef } = await join(socket, "echo:a");
    expect((await socket.push("echo:a", "ping", { fill: "x".repeat(1000 * 1000) }, joinRef))[4].status).toBe("ok");
    socket.send([joinRef, "9", "echo:a", "ping", { fill: "x".repeat(1024 * 1024) }]);
    expect((await socket.closed).code).toBe(1009);
  });

  test("1,000 events in a burst: the rate limit answers the excess with SB_ERR_RATE_LIMITED, and the connection stays usable", async () => {
    const server = await start({ limits: { burst: 20, rate: 50, maxRefused: 100_000 } });
    const socket = await connect(server);
    const { joinRef } = await join(socket, "echo:a");
    const refs = Array.from({ length: 1000 }, () => socket.nextRef());
    const replies = Promise.all(refs.map((ref) => socket.waitFor((f) => f[1] === ref && f[3] === "phx_reply")));
    for (const ref of refs) socket.send([joinRef, ref, "echo:a", "ping", {}]);
    const frames = await replies;
    const ok = frames.filter((f) => f[4].status === "ok");
    const refused = frames.filter((f) => f[4].status === "error");
    expect(ok.length).toBeGreaterThanOrEqual(19);
    expect(ok.length).toBeLessThan(100);
    expect(ok.length + refused.length).toBe(1000);
    for (const f of refused) expect(f[4].response).toEqual({ reason: expect.stringMatching(/rate limit/), code: "SB_ERR_RATE_LIMITED" });
    await sleep(100);
    expect((await socket.push("echo:a", "ping", { after: true }, joinRef))[4]).toEqual({ status: "ok", response: { after: true } });
  });

  test("a flood past limits.maxRefused closes the connection cleanly with 1008; another connection is unaffected", async () => {
    const server = await start({ limits: { burst: 5, rate: 1, maxRefused: 20 } });
    const [flooder, other] = [await connect(server), await connect(server)];
    const { joinRef } = await join(flooder, "echo:a");
    for (let i = 0; i < 1000; i++) flooder.send([joinRef, `f${i}`, "echo:a", "ping", {}]);
    const closed = await flooder.closed;
    expect(closed).toEqual({ code: 1008, reason: "rate limit exceeded" });
    const limited = flooder.received.filter((f) => f[4]?.response?.code === "SB_ERR_RATE_LIMITED");
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.length).toBeLessThanOrEqual(20);
    await expectAlive(other);
    expect(server.app.switchboard.connections.size).toBe(1);
    expect(server.app.switchboard.pubsub.subscriberCount()).toBe(0);
  });
});

describe("heartbeat and idle timeout", () => {
  test("a heartbeat on topic phoenix is answered with an ok reply carrying its ref", async () => {
    const server = await start();
    const socket = await connect(server);
    const ref = socket.nextRef();
    const waiting = socket.waitFor((f) => f[1] === ref);
    socket.send([null, ref, "phoenix", "heartbeat", {}]);
    expect(await waiting).toEqual([null, ref, "phoenix", "phx_reply", { status: "ok", response: {} }]);
  });

  test("the default idle timeout is 60 s", async () => {
    const server = await start();
    expect(server.app.switchboard.limits.idleTimeoutMs).toBe(60_000);
  });

  test("a silent connection is closed with 4000 after limits.idleTimeoutMs, while one sending heartbeats stays open", async () => {
    const server = await start({ limits: { idleTimeoutMs: 300 } });
    const [silent, beating] = [await connect(server), await connect(server)];
    await join(silent, "echo:a");
    const timer = setInterval(() => beating.send([null, beating.nextRef(), "phoenix", "heartbeat", {}]), 80);
    try {
      const started = Date.now();
      const closed = await silent.closed;
      expect(closed.code).toBe(4000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await sleep(200);
      expect(beating.ws.readyState).toBe(WebSocket.OPEN);
      await expectAlive(beating);
      expect(server.app.switchboard.pubsub.subscriberCount("echo:a")).toBe(0);
    } finally {
      clearInterval(timer);
    }
  });
});

describe("connect hook and socket ids", () => {
  const connectHook: SwitchboardOptions["connect"] = (params) => {
    if (params.token === "bad") return false;
    if (params.token === "throw") throw new Error("the hook failed");
    return { id: params.user ? `user:${params.user}` : undefined, assigns: { user: params.user ?? null, token: params.token ?? null } };
  };

  test("the hook receives the query string's params; its id and assigns reach the channels", async () => {
    const server = await start({ connect: connectHook });
    const socket = await connect(server, { query: "&token=good&user=ann" });
    const { reply } = await join(socket, "echo:a");
    expect(reply).toEqual({ status: "ok", response: { socketId: "user:ann", assigns: { user: "ann", token: "good" } } });
  });

  test.each(["bad", "throw"])("a hook that refuses (token=%s) closes the socket with 1008; other connections work", async (token) => {
    const server = await start({ connect: connectHook });
    const refused = await connect(server, { query: `&token=${token}` });
    expect(await refused.closed).toEqual({ code: 1008, reason: "connection refused" });
    expect(server.app.switchboard.connections.size).toBe(0);
    const other = await connect(server, { query: "&token=good" });
    await expectAlive(other);
  });

  test("frames sent before an async hook accepts are handled after it, in order", async () => {
    const server = await start({
      connect: async () => {
        await sleep(50);
        return { id: "slow" };
      },
    });
    const socket = await connect(server);
    const replies = [socket.nextRef(), socket.nextRef()].map((ref) => {
      const waiting = socket.waitFor((f) => f[1] === ref);
      socket.send([null, ref, "phoenix", "heartbeat", {}]);
      return waiting;
    });
    const frames = await Promise.all(replies);
    expect(frames.map((f) => f[4].status)).toEqual(["ok", "ok"]);
    expect(socket.received.map((f) => f[1])).toEqual(["1", "2"]);
  });

  test("endpoint.disconnect(id) closes every connection with that id, with 4001, and no other", async () => {
    const server = await start({ connect: connectHook });
    const ann1 = await connect(server, { query: "&user=ann" });
    const ann2 = await connect(server, { query: "&user=ann" });
    const bob = await connect(server, { query: "&user=bob" });
    const anonymous = await connect(server);
    await join(ann1, "echo:a");
    await join(bob, "echo:a");
    server.app.switchboard.disconnect("user:ann");
    expect((await ann1.closed).code).toBe(4001);
    expect((await ann2.closed).code).toBe(4001);
    await expectAlive(bob);
    await expectAlive(anonymous);
    expect(server.app.switchboard.connections.size).toBe(2);
    expect(server.app.switchboard.pubsub.subscriberCount("echo:a")).toBe(1);
    expect(server.app.switchboard.pubsub.subscriberCount("sb_socket:user:ann")).toBe(0);
  });
});

describe("origin check", () => {
  test("a foreign Origin is refused with HTTP 403 before the upgrade", async () => {
    const server = await start();
    const outcome = await upgrade(server, { origin: "http://evil.example" });
    expect(outcome).toMatchObject({ status: 403 });
    expect(JSON.parse((outcome as { body: string }).body)).toMatchObject({ code: "SB_ERR_ORIGIN" });
    expect(server.app.switchboard.connections.size).toBe(0);
  });

  test("an Origin on the same host but another port is refused", async () => {
    const server = await start();
    expect(await upgrade(server, { origin: "http://127.0.0.1:1" })).toMatchObject({ status: 403 });
  });

  test("the page's own origin is accepted", async () => {
    const server = await start();
    await expectAlive(await connect(server, { origin: server.url }));
  });

  test("no Origin header (not a browser) is accepted", async () => {
    const server = await start();
    await expectAlive(await connect(server, { origin: null }));
  });

  test("with the origins option, only the listed origins are accepted", async () => {
    const server = await start({ origins: ["https://shop.example"] });
    await expectAlive(await connect(server, { origin: "https://shop.example" }));
    expect(await upgrade(server, { origin: server.url })).toMatchObject({ status: 403 });
    expect(await upgrade(server, { origin: "https://evil.example" })).toMatchObject({ status: 403 });
  });
});

describe("shutdown and order", () => {
  test("app.close() closes every socket with 1001 (going away) and ends their channels", async () => {
    const server = await start();
    const [a, b] = [await connect(server), await connect(server)];
    await join(a, "echo:a");
    const pubsub = server.app.switchboard.pubsub;
    await server.close();
    servers = servers.filter((s) => s !== server);
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
    expect(pubsub.subscriberCount()).toBe(0);
  });

  test("the messages of one connection are handled in arrival order, whatever each takes", async () => {
    const server = await start();
    const socket = await connect(server);
    const { joinRef } = await join(socket, "echo:a");
    const delays = [60, 0, 25, 5, 0, 40, 1];
    const refs = delays.map(() => socket.nextRef());
    const replies = Promise.all(refs.map((ref) => socket.waitFor((f) => f[1] === ref)));
    delays.forEach((ms, n) => socket.send([joinRef, refs[n]!, "echo:a", "slow", { ms, n }]));
    const frames = await replies;
    expect(frames.map((f) => f[4].response.n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const order = socket.received.filter((f) => refs.includes(f[1]!)).map((f) => f[1]);
    expect(order).toEqual(refs);
  });

  test("channels on different topics of one connection do not wait for each other", async () => {
    const server = await start();
    const socket = await connect(server);
    const a = await join(socket, "echo:a");
    const b = await join(socket, "echo:b");
    const slow = socket.push("echo:a", "slow", { ms: 300, n: "slow" }, a.joinRef);
    const fast = await socket.push("echo:b", "slow", { ms: 0, n: "fast" }, b.joinRef);
    expect(fast[4].response.n).toBe("fast");
    expect(socket.received.some((f) => f[4]?.response?.n === "slow")).toBe(false);
    expect((await slow)[4].response.n).toBe("slow");
  });
});
