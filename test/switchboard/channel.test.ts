// Channels over real websockets: topic routing (wildcard and exact), join authorisation,
// handleIn with reply / no reply / stop, handleInfo, pushes, broadcast and broadcast-from,
// interception, leave, crash isolation, terminate, and a broadcast encoded once for N subscribers.

import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { broadcastFrame, defineChannel, reply, stop } from "../../src/switchboard/channel.ts";
import { Endpoint } from "../../src/switchboard/endpoint.ts";
import { SwitchboardError } from "../../src/switchboard/errors.ts";
import { startServer, TestSocket, type Frame, type TestServer } from "../support/socket-client.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** [topic, reason] of every terminate call. */
const terminated: [string, string][] = [];

const Room = defineChannel<{ user: string }>({
  topic: "room:*",
  intercept: ["whisper"],
  join(topic, payload, socket) {
    if (topic === "room:forbidden") return reply.error({ reason: "unauthorized" });
    if (payload.crash) throw new Error("join crashed on purpose");
    socket.assigns.user = String(payload.user ?? "anon");
    if (typeof payload.watch === "string") socket.subscribe(payload.watch);
    return reply.ok({ welcome: socket.assigns.user, topic });
  },
  async handleIn(event, payload, socket) {
    switch (event) {
      case "ping":
        return reply.ok({ pong: payload });
      case "fail":
        return reply.error({ reason: "refused on purpose" });
      case "note":
        socket.push("noted", payload);
        return;
      case "bye":
        return stop("normal", reply.ok({ bye: true }));
      case "shout":
        socket.broadcast("shout", payload);
        return reply.ok();
      case "say":
        socket.broadcastFrom("say", payload);
        return reply.ok();
      case "crash":
        throw new Error("handleIn crashed on purpose");
      case "unwatch":
        socket.unsubscribe(String(payload.topic));
        return reply.ok();
    }
    return reply.error({ reason: `no such event ${event}` });
  },
  handleInfo(message, socket) {
    socket.push("info", { from: message.topic, event: message.event, payload: message.payload as Record<string, unknown> });
  },
  handleOut(event, payload, socket) {
    if (payload.to === socket.assigns.user) socket.push(event, payload);
  },
  terminate(reason, socket) {
    terminated.push([socket.topic, reason]);
  },
});

/** An exact topic inside the wildcard's range: exact patterns win. */
const Vip = defineChannel({
  topic: "room:vip",
  join: () => reply.ok({ exact: true }),
});

let server: TestServer;
const sockets: TestSocket[] = [];

beforeEach(async () => {
  terminated.length = 0;
  server = await startServer({ channels: [Room, Vip] });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await server?.close();
});

async function connect(): Promise<TestSocket> {
  const socket = await TestSocket.connect(server);
  sockets.push(socket);
  return socket;
}

/** Joins `topic` and resolves with the join_ref and the reply's payload. */
async function join(socket: TestSocket, topic: string, payload: Record<string, unknown> = {}): Promise<{ joinRef: string; reply: { status: string; response: any } }> {
  const joinRef = socket.nextRef();
  const waiting = socket.waitFor((f) => f[1] === joinRef && f[3] === "phx_reply");
  socket.send([joinRef, joinRef, topic, "phx_join", payload]);
  const frame = await waiting;
  expect(frame[0]).toBe(joinRef);
  expect(frame[2]).toBe(topic);
  return { joinRef, reply: frame[4] };
}

/** The first frame matching `test`, already received or yet to come. */
function seen(socket: TestSocket, test: (f: Frame) => boolean): Promise<Frame> {
  const found = socket.received.find(test);
  return found ? Promise.resolve(found) : socket.waitFor(test);
}

/** Resolves once every frame the server sent before this call's reply has been received. */
async function roundTrip(socket: TestSocket): Promise<void> {
  const reply = await socket.push("phoenix", "heartbeat", {});
  expect(reply[4].status).toBe("ok");
}

const endpoint = () => server.app.switchboard;
const processes = () => [...endpoint().connections].flatMap((c) => [...c.processes.keys()]);

describe("join", () => {
  test("a wildcard topic joins with the reply payload the channel returned", async () => {
    const socket = await connect();
    const { reply } = await join(socket, "room:1", { user: "ann" });
    expect(reply).toEqual({ status: "ok", response: { welcome: "ann", topic: "room:1" } });
    expect(processes()).toEqual(["room:1"]);
    expect(endpoint().pubsub.subscriberCount("room:1")).toBe(1);
  });

  test("an exact topic is routed to its own channel rather than the wildcard's", async () => {
    const socket = await connect();
    expect((await join(socket, "room:vip")).reply).toEqual({ status: "ok", response: { exact: true } });
  });

  test("an error reply refuses the join: the topic is not joined and terminate is not called", async () => {
    const socket = await connect();
    const { joinRef, reply } = await join(socket, "room:forbidden");
    expect(reply).toEqual({ status: "error", response: { reason: "unauthorized" } });
    expect(processes()).toEqual([]);
    expect(endpoint().pubsub.subscriberCount("room:forbidden")).toBe(0);
    const push = await socket.push("room:forbidden", "ping", {}, joinRef);
    expect(push[4]).toEqual({ status: "error", response: { reason: "unmatched topic", code: "SB_ERR_UNMATCHED_TOPIC" } });
    expect(terminated).toEqual([]);
  });

  test("a join that throws is refused with an error reply and the topic is not joined", async () => {
    const socket = await connect();
    const { reply } = await join(socket, "room:1", { crash: true });
    expect(reply).toEqual({ status: "error", response: { reason: "join crashed" } });
    expect(processes()).toEqual([]);
    expect((await join(socket, "room:1", { user: "ann" })).reply.status).toBe("ok");
  });
});

describe("handleIn", () => {
  test("a reply.ok answers the push with its payload", async () => {
    const socket = await connect();
    const { joinRef } = await join(socket, "room:1");
    const frame = await socket.push("room:1", "ping", { n: 1 }, joinRef);
    expect(frame).toEqual([joinRef, frame[1], "room:1", "phx_reply", { status: "ok", response: { pong: { n: 1 } } }]);
  });

  test("a reply.error answers the push with an error", async () => {
    const socket = await connect();
    const { joinRef } = await join(socket, "room:1");
    const frame = await socket.push("room:1", "fail", {}, joinRef);
    expect(frame[4]).toEqual({ status: "error", response: { reason: "refused on purpose" } });
  });

  test("no reply sends nothing for the ref; a push from the handler reaches the client", async () => {
    const socket = await connect();
    const { joinRef } = await join(socket, "room:1");
    const ref = socket.nextRef();
    socket.send([joinRef, ref, "room:1", "note", { text: "hello" }]);
    expect(await seen(socket, (f) => f[3] === "noted")).toEqual([joinRef, null, "room:1", "noted", { text: "hello" }]);
    await socket.push("room:1", "ping", {}, joinRef);
    expect(socket.received.filter((f) => f[1] === ref)).toEqual([]);
  });

  test("stop sends its reply, then phx_close, and ends the channel", async () => {
    const socket = await connect();
    const { joinRef } = await join(socket, "room:1");
    const replied = await socket.push("room:1", "bye", {}, joinRef);
    expect(replied[4]).toEqual({ status: "ok", response: { bye: true } });
    const closed = await seen(socket, (f) => f[3] === "phx_close");
    expect(closed).toEqual([joinRef, joinRef, "room:1", "phx_close", {}]);
    expect(socket.received.indexOf(replied)).toBeLessThan(socket.received.indexOf(closed));
    expect(terminated).toEqual([["room:1", "normal"]]);
    expect(processes()).toEqual([]);
    expect(endpoint().pubsub.subscriberCount()).toBe(0);
  });
});

describe("handleInfo and pushes", () => {
  test("a PubSub message on another subscribed topic reaches handleInfo, which pushes to the client", async () => {
    const socket = await connect();
    const { joinRef } = await join(socket, "room:1", { watch: "news" });
    endpoint().pubsub.broadcast("news", "headline", { title: "sale" });
    const frame = await seen(socket, (f) => f[3] === "info");
    expect(frame).toEqual([joinRef, null, "room:1", "info", { from: "news", event: "headline", payload: { title: "sale" } }]);
  });

  test("after unsubscribing, messages on that topic no longer arrive", async () => {
    const socket = await connect();
    const { joinRef } = await join(socket, "room:1", { watch: "news" });
    await socket.push("room:1", "unwatch", { topic: "news" }, joinRef);
    expect(endpoint().pubsub.subscriberCount("news")).toBe(0);
    endpoint().pubsub.broadcast("news", "headline", {});
    await roundTrip(socket);
    expect(socket.received.filter((f) => f[3] === "info")).toEqual([]);
  });
});

describe("broadcast", () => {
  test("broadcast reaches every subscriber of the topic on every connection, the sender included", async () => {
    const [a, b, elsewhere] = [await connect(), await connect(), await connect()];
    const { joinRef } = await join(a, "room:1");
    await join(b, "room:1");
    await join(elsewhere, "room:2");
    await a.push("room:1", "shout", { text: "hi" }, joinRef);
    const expected: Frame = [null, null, "room:1", "shout", { text: "hi" }];
    expect(await seen(a, (f) => f[3] === "shout")).toEqual(expected);
    expect(await seen(b, (f) => f[3] === "shout")).toEqual(expected);
    await roundTrip(elsewhere);
    expect(elsewhere.received.filter((f) => f[3] === "shout")).toEqual([]);
  });

  test("broadcastFrom reaches the other subscribers but not the sender", async () => {
    const [a, b] = [await connect(), await connect()];
    const { joinRef } = await join(a, "room:1");
    await join(b, "room:1");
    await a.push("room:1", "say", { text: "hi" }, joinRef);
    expect(await seen(b, (f) => f[3] === "say")).toEqual([null, null, "room:1", "say", { text: "hi" }]);
    await roundTrip(a);
    expect(a.received.filter((f) => f[3] === "say")).toEqual([]);
  });

  test("an intercepted event goes through handleOut per subscriber, which filters it", async () => {
    const [a, b] = [await connect(), await connect()];
    await join(a, "room:1", { user: "ann" });
    const { joinRef: bobRef } = await join(b, "room:1", { user: "bob" });
    endpoint().pubsub.broadcast("room:1", "whisper", { to: "bob", text: "psst" });
    expect(await seen(b, (f) => f[3] === "whisper")).toEqual([bobRef, null, "room:1", "whisper", { to: "bob", text: "psst" }]);
    await roundTrip(a);
    expect(a.received.filter((f) => f[3] === "whisper")).toEqual([]);
  });

  test("a broadcast to N subscribers encodes its frame once", async () => {
    const n = 6;
    const clients = await Promise.all(Array.from({ length: n }, connect));
    for (const client of clients) await join(client, "room:big");
    const stringify = vi.spyOn(JSON, "stringify");
    try {
      endpoint().pubsub.broadcast("room:big", "news", { big: "x".repeat(1000) });
      const encodings = stringify.mock.calls.filter(([value]) => Array.isArray(value) && value[3] === "news");
      expect(encodings).toHaveLength(1);
    } finally {
      stringify.mockRestore();
    }
    const frames = await Promise.all(clients.map((c) => seen(c, (f) => f[3] === "news")));
    for (const frame of frames) expect(frame).toEqual([null, null, "room:big", "news", { big: "x".repeat(1000) }]);
  });

  test("broadcastFrame returns the identical string for one message, and a new one for another", () => {
    const message = { topic: "room:1", event: "e", payload: { a: 1 } };
    const first = broadcastFrame(message);
    expect(first).toBe(`[null,null,"room:1","e",{"a":1}]`);
    expect(broadcastFrame(message)).toBe(first);
    const stringify = vi.spyOn(JSON, "stringify");
    try {
      broadcastFrame(message);
      expect(stringify).not.toHaveBeenCalled();
      broadcastFrame({ ...message });
      expect(stringify).toHaveBeenCalledTimes(1);
    } finally {
      stringify.mockRestore();
    }
  });
});

describe("leave, crash and terminate", () => {
  test("phx_leave replies ok, sends phx_close, ends the subscriptions and calls terminate", async () => {
    const socket = await connect();
    const { joinRef } = await join(socket, "room:1", { watch: "news" });
    expect(endpoint().pubsub.subscriberCount()).toBe(2);
    const left = await socket.push("room:1", "phx_leave", {}, joinRef);
    expect(left).toEqual([joinRef, left[1], "room:1", "phx_reply", { status: "ok", response: {} }]);
    expect(await seen(socket, (f) => f[3] === "phx_close")).toEqual([joinRef, joinRef, "room:1", "phx_close", {}]);
    expect(endpoint().pubsub.subscriberCount()).toBe(0);
    expect(terminated).toEqual([["room:1", "leave"]]);
    const after = await socket.push("room:1", "ping", {});
    expect(after[4].response.code).toBe("SB_ERR_UNMATCHED_TOPIC");
  });

  test("a crash in handleIn sends phx_error for that topic only; another channel on the connection keeps working", async () => {
    const socket = await connect();
    const one = await join(socket, "room:1", { watch: "news" });
    const two = await join(socket, "room:2");
    const ref = socket.nextRef();
    socket.send([one.joinRef, ref, "room:1", "crash", {}]);
    expect(await seen(socket, (f) => f[3] === "phx_error")).toEqual([one.joinRef, one.joinRef, "room:1", "phx_error", {}]);
    expect(terminated).toEqual([["room:1", "crash"]]);
    expect(endpoint().pubsub.subscriberCount("room:1")).toBe(0);
    expect(endpoint().pubsub.subscriberCount("news")).toBe(0);
    expect((await socket.push("room:2", "ping", { still: "alive" }, two.joinRef))[4]).toEqual({ status: "ok", response: { pong: { still: "alive" } } });
    expect((await socket.push("room:1", "ping", {}))[4].response.code).toBe("SB_ERR_UNMATCHED_TOPIC");
    expect(socket.received.filter((f) => f[1] === ref)).toEqual([]);
    // The client rejoins, as Phoenix clients do after phx_error.
    expect((await join(socket, "room:1")).reply.status).toBe("ok");
  });

  test("a crash on one connection does not affect the same topic on another connection", async () => {
    const [a, b] = [await connect(), await connect()];
    const ja = await join(a, "room:1");
    const jb = await join(b, "room:1");
    a.send([ja.joinRef, a.nextRef(), "room:1", "crash", {}]);
    await seen(a, (f) => f[3] === "phx_error");
    expect((await b.push("room:1", "ping", {}, jb.joinRef))[4].status).toBe("ok");
    expect(endpoint().pubsub.subscriberCount("room:1")).toBe(1);
  });

  test("closing the connection ends every channel on it: terminate runs and subscriptions end", async () => {
    const socket = await connect();
    await join(socket, "room:1", { watch: "news" });
    await join(socket, "room:2");
    socket.close();
    await vi.waitFor(() => expect(terminated).toHaveLength(2), { timeout: 2000, interval: 10 });
    expect(terminated.map(([topic, reason]) => `${topic} ${reason}`).sort()).toEqual(["room:1 connection closed", "room:2 connection closed"]);
    expect(endpoint().pubsub.subscriberCount()).toBe(0);
    expect(endpoint().connections.size).toBe(0);
  });

  test("a broadcast racing with a closed connection's cleanup never fails", async () => {
    const [a, b] = [await connect(), await connect()];
    await join(a, "room:1");
    const { joinRef } = await join(b, "room:1");
    a.ws.terminate();
    for (let i = 0; i < 50; i++) endpoint().pubsub.broadcast("room:1", "tick", { i });
    await sleep(20);
    for (let i = 0; i < 5; i++) endpoint().pubsub.broadcast("room:1", "tick", { i });
    expect((await b.push("room:1", "ping", {}, joinRef))[4].status).toBe("ok");
    expect(b.received.filter((f) => f[3] === "tick")).toHaveLength(55);
  });
});

describe("defineChannel", () => {
  function codeOf(run: () => unknown): string {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(SwitchboardError);
      return (error as SwitchboardError).code;
    }
    return "no error";
  }

  test.each([
    ["no topic", { join: () => {} }],
    ["a topic with * inside", { topic: "a*b", join: () => {} }],
    ["an empty topic", { topic: "", join: () => {} }],
    ["a bare *", { topic: "*", join: () => {} }],
    ["no join", { topic: "room:*" }],
    ["intercept without handleOut", { topic: "room:*", join: () => {}, intercept: ["e"] }],
  ])("%s throws SB_ERR_CHANNEL_DEFINITION", (_name, definition) => {
    expect(codeOf(() => defineChannel(definition as never))).toBe("SB_ERR_CHANNEL_DEFINITION");
  });

  test("a channel on the live views' reserved prefix is refused by the endpoint with SB_ERR_CHANNEL_DEFINITION", () => {
    const channel = defineChannel({ topic: "lv:*", join: () => {} });
    expect(codeOf(() => new Endpoint({ channels: [channel] }))).toBe("SB_ERR_CHANNEL_DEFINITION");
  });

  test("the longest matching prefix wins", () => {
    const short = defineChannel({ topic: "a:*", join: () => {} });
    const long = defineChannel({ topic: "a:b:*", join: () => {} });
    const ep = new Endpoint({ channels: [short, long] });
    const fake = { endpoint: ep, socketId: null, assigns: {} } as never;
    expect((ep.createProcess(fake, "a:b:c", "1") as unknown as { definition: unknown }).definition).toBe(long);
    expect((ep.createProcess(fake, "a:x", "1") as unknown as { definition: unknown }).definition).toBe(short);
    expect(ep.createProcess(fake, "b:x", "1")).toBeNull();
  });
});
