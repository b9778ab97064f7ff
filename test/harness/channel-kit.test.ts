// The channel kit (src/testing/channel-kit.ts): partial matching, what each assertion reports when
// it fails, crashes of a channel surfacing in the test, leaving, and connections kept apart.

import { afterEach, describe, expect, test, vi } from "vitest";
import { defineChannel, reply, stop } from "../../src/switchboard/index.ts";
import { connect, matches } from "../../src/testing/index.ts";
import { createApp, type TestApp } from "../support/app.ts";

let t: TestApp;
afterEach(async () => {
  vi.useRealTimers();
  await t?.close();
});

const terminated: string[] = [];
const Echo = defineChannel({
  topic: "echo:*",
  join: (topic, payload) => (payload.crash ? Promise.reject(new Error("join blew up")) : reply.ok({ topic })),
  handleIn(event, payload, socket) {
    if (event === "echo") return reply.ok({ echo: payload, extra: 1 });
    if (event === "push") return void socket.push("pushed", payload);
    if (event === "crash") throw new Error(`crashed on ${socket.topic}`);
    if (event === "bye") return stop("normal", reply.ok({ bye: true }));
  },
  terminate: (reason, socket) => void terminated.push(`${socket.topic} ${reason}`),
});

async function app() {
  t = await createApp({ channels: [Echo] });
  return t.app;
}

describe("matches()", () => {
  test("objects match partially and recursively; arrays and other values exactly", () => {
    expect(matches({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } })).toBe(true);
    expect(matches({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(matches({ a: [1, 2] }, { a: [1] })).toBe(false);
    expect(matches({ a: "1" }, { a: 1 })).toBe(false);
    expect(matches(null, {})).toBe(false);
    expect(matches("x", undefined)).toBe(true);
  });
});

describe("assertions that fail", () => {
  test("assertReply with another status or payload is SB_ERR_TEST_ASSERTION, naming what came", async () => {
    const socket = await connect(await app());
    const { channel } = await socket.join("echo:a");
    await expect(channel.push("echo", { n: 1 }).assertReply("error")).rejects.toMatchObject({ code: "SB_ERR_TEST_ASSERTION", message: expect.stringContaining(`ok {"echo":{"n":1},"extra":1}`) });
    await expect(channel.push("echo", { n: 1 }).assertReply("ok", { echo: { n: 2 } })).rejects.toMatchObject({ code: "SB_ERR_TEST_ASSERTION" });
    expect(await channel.push("echo", { n: 1 }).assertReply("ok", { echo: { n: 1 } })).toEqual({ status: "ok", response: { echo: { n: 1 }, extra: 1 } });
  });

  test("assertPush that sees nothing in time is SB_ERR_TEST_TIMEOUT; refutePush that sees the push is SB_ERR_TEST_ASSERTION", async () => {
    const socket = await connect(await app());
    const { channel } = await socket.join("echo:a");
    await expect(channel.assertPush("pushed", undefined, 20)).rejects.toMatchObject({ code: "SB_ERR_TEST_TIMEOUT" });
    channel.push("push", { n: 1 });
    await expect(channel.refutePush("pushed", { n: 1 })).rejects.toMatchObject({ code: "SB_ERR_TEST_ASSERTION" });
  });

  test("assertReply to a push the channel never answers is SB_ERR_TEST_TIMEOUT", async () => {
    const socket = await connect(await app());
    const { channel } = await socket.join("echo:a");
    await expect(channel.push("push", {}).assertReply("ok", undefined, 20)).rejects.toMatchObject({ code: "SB_ERR_TEST_TIMEOUT" });
  });

  test("time-outs run on real time even under fake timers", async () => {
    const socket = await connect(await app());
    const { channel } = await socket.join("echo:a");
    vi.useFakeTimers();
    await expect(channel.assertPush("never", undefined, 10)).rejects.toMatchObject({ code: "SB_ERR_TEST_TIMEOUT" });
  });

  test("assertPush waits for a push that arrives later", async () => {
    const socket = await connect(await app());
    const { channel } = await socket.join("echo:a");
    const waiting = channel.assertPush("pushed", { n: 2 });
    channel.push("push", { n: 1 });
    channel.push("push", { n: 2 });
    expect(await waiting).toEqual({ n: 2 });
    expect(await channel.assertPush("pushed")).toEqual({ n: 1 }); // still there for the next assertion
  });
});

describe("crashes, leaving, stopping", () => {
  test("a handler that throws rejects the push with SB_ERR_TEST_VIEW_CRASHED and the server's error", async () => {
    const socket = await connect(await app());
    const { channel } = await socket.join("echo:a");
    await expect(channel.push("crash").assertReply("ok")).rejects.toMatchObject({ code: "SB_ERR_TEST_VIEW_CRASHED", cause: { message: "crashed on echo:a" } });
    await expect(channel.push("echo").reply).rejects.toMatchObject({ code: "SB_ERR_TEST_VIEW_CRASHED" });
    await channel.assertPush("phx_error");
  });

  test("a crash on one connection's topic does not reach another connection joined to the same topic", async () => {
    const application = await app();
    const [a, b] = [await connect(application), await connect(application)];
    const ca = (await a.join("echo:shared")).channel;
    const cb = (await b.join("echo:shared")).channel;
    await expect(ca.push("crash").reply).rejects.toMatchObject({ code: "SB_ERR_TEST_VIEW_CRASHED" });
    expect(cb.crash).toBeNull();
    await cb.push("echo", { still: "here" }).assertReply("ok", { echo: { still: "here" } });
  });

  test("a join that throws rejects tryJoin with SB_ERR_TEST_VIEW_CRASHED", async () => {
    const socket = await connect(await app());
    await expect(socket.tryJoin("echo:a", { crash: true })).rejects.toMatchObject({ code: "SB_ERR_TEST_VIEW_CRASHED", cause: { message: "join blew up" } });
  });

  test("leave() ends the channel (terminate runs) and stops recording; stop() replies then closes", async () => {
    terminated.length = 0;
    const socket = await connect(await app());
    const { channel } = await socket.join("echo:a");
    await channel.leave().assertReply("ok");
    expect(terminated).toEqual(["echo:a leave"]);
    expect(t.app.switchboard.pubsub.subscriberCount("echo:a")).toBe(0);
    const other = (await socket.join("echo:b")).channel;
    await other.push("bye").assertReply("ok", { bye: true });
    await other.assertPush("phx_close");
    expect(terminated).toEqual(["echo:a leave", "echo:b normal"]);
  });

  test("close() closes the connection and every channel on it", async () => {
    terminated.length = 0;
    const socket = await connect(await app());
    await socket.join("echo:a");
    await socket.join("echo:b");
    socket.close();
    expect(terminated.sort()).toEqual(["echo:a connection closed", "echo:b connection closed"]);
    expect(t.app.switchboard.connections.size).toBe(0);
  });
});
