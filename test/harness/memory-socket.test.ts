// The in-memory connection (src/testing/memory-socket.ts): real protocol frames as JSON text both
// ways through the server's Connection, replies matched by ref, crashes routed by connection and
// topic, and a clean close.

import { afterEach, describe, expect, test } from "vitest";
import { defineChannel, reply } from "../../src/switchboard/index.ts";
import { MemorySocket } from "../../src/testing/index.ts";
import { createApp, type TestApp } from "../support/app.ts";

let t: TestApp;
afterEach(() => t?.close());

const Ping = defineChannel({
  topic: "ping",
  join: () => reply.ok({}),
  handleIn(event) {
    if (event === "boom") throw new Error("boom");
    if (event === "slow") return new Promise(() => {}); // never answers
    return reply.ok({ pong: true });
  },
});

/** Lets a handler's rejection (a crash) be handled. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function open(options = {}) {
  t = await createApp({ channels: [Ping] });
  return MemorySocket.open(t.app.switchboard, options);
}

describe("MemorySocket", () => {
  test("speaks protocol frames as JSON text: a heartbeat is answered on topic phoenix", async () => {
    const socket = await open();
    const reply = await socket.request([null, socket.ref(), "phoenix", "heartbeat", {}]);
    expect(reply).toEqual({ status: "ok", response: {} });
    expect(socket.received).toEqual([`[null,"1","phoenix","phx_reply",{"status":"ok","response":{}}]`]);
  });

  test("a frame the server cannot route gets its error reply, as over a websocket", async () => {
    const socket = await open();
    expect(await socket.request([null, socket.ref(), "nowhere", "x", {}])).toEqual({ status: "error", response: { reason: "unmatched topic", code: "SB_ERR_UNMATCHED_TOPIC" } });
  });

  test("frames that answer no request go to the topic's listeners; frames() decodes them, optionally by topic", async () => {
    const socket = await open();
    const seen: string[] = [];
    const off = socket.on("ping", (frame) => seen.push(frame[3]));
    await socket.request(["1", "1", "ping", "phx_join", {}]);
    socket.send(["1", socket.ref(), "ping", "boom", {}]);
    await tick();
    off();
    expect(seen).toEqual(["phx_error"]);
    expect(socket.frames("ping").map((f) => f[3])).toEqual(["phx_reply", "phx_error"]);
  });

  test("a crash is handed to the handler for its topic on this connection only", async () => {
    const a = await open();
    const b = await MemorySocket.open(t.app.switchboard);
    const crashes: string[] = [];
    a.onCrash("ping", (error) => crashes.push(`a ${(error as Error).message}`));
    b.onCrash("ping", (error) => crashes.push(`b ${(error as Error).message}`));
    await a.request(["1", "1", "ping", "phx_join", {}]);
    await b.request(["1", "1", "ping", "phx_join", {}]);
    a.send(["1", a.ref(), "ping", "boom", {}]);
    await tick();
    expect(crashes).toEqual(["a boom"]);
  });

  test("close() closes the server's connection; pending requests get an error reply and later sends reject", async () => {
    const socket = await open({ cookies: { a: "1" } });
    expect(socket.cookies).toEqual({ a: "1" });
    const listeners = t.app.switchboard.crashListeners.size;
    socket.close();
    expect(socket.closed).toBe(true);
    expect(socket.closedWith).toEqual({ code: 1000, reason: "test finished" });
    expect(t.app.switchboard.connections.size).toBe(0);
    expect(t.app.switchboard.crashListeners.size).toBe(listeners - 1);
    expect(() => socket.send([null, "9", "phoenix", "heartbeat", {}])).toThrow(expect.objectContaining({ code: "SB_ERR_TEST_REFUSED" }));
    await expect(socket.request([null, "9", "phoenix", "heartbeat", {}])).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED" });
  });

  test("a request pending when the server closes the connection resolves with an error reply naming the close", async () => {
    const socket = await open();
    await socket.request(["1", "1", "ping", "phx_join", {}]);
    const pending = socket.request(["1", socket.ref(), "ping", "slow", {}]);
    socket.connection!.close(4001, "disconnected by the server");
    expect(await pending).toEqual({ status: "error", response: { reason: "the connection closed (4001 disconnected by the server)", closeCode: 4001 } });
    expect(socket.closedWith).toEqual({ code: 4001, reason: "disconnected by the server" });
  });
});
