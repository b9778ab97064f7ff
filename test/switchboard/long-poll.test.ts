// Long polling over real HTTP on 127.0.0.1: a GET opens a session (410 + token), POSTs carry
// frames, GETs wait for the server's frames (or answer 204 after the poll timeout); channels and
// live views work as over the websocket; forged tokens and foreign origins are refused; bad frames
// get error replies; a client that stops polling is closed and its channels terminated.

import { afterEach, describe, expect, test } from "vitest";
import { defineChannel, reply } from "../../src/switchboard/channel.ts";
import { createTree, html, merge, toHTML } from "../../src/switchboard/index.ts";
import { defineLive } from "../../src/switchboard/live-view.ts";
import type { SwitchboardOptions } from "../../src/switchboard/plugin.ts";
import { Signer } from "../../src/switchboard/token.ts";
import { loadPage, startServer, type Frame, type TestServer } from "../support/socket-client.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What each channel's terminate saw: "topic reason". */
const terminated: string[] = [];

const Room = defineChannel({
  topic: "room:*",
  join: (topic) => reply.ok({ joined: topic }),
  handleIn(event, payload, socket) {
    if (event === "ping") return reply.ok(payload);
    if (event === "shout") return void socket.broadcast("shout", payload);
    return reply.error({ reason: "unknown event" });
  },
  terminate(reason, socket) {
    terminated.push(`${socket.topic} ${reason}`);
  },
});

const Counter = defineLive<{ count: number }, { inc: {} }>({
  mount(_c, socket) {
    socket.assign({ count: 0 });
  },
  handleEvent: { inc: (_v, socket) => socket.update("count", (c) => c + 1) },
  render: ({ count }) => html`<p>Count: ${count}</p>`,
});

const servers: TestServer[] = [];

afterEach(async () => {
  terminated.length = 0;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: SwitchboardOptions = {}): Promise<TestServer> {
  const server = await startServer({ channels: [Room], liveRoutes: { "/": Counter }, longPollTimeoutMs: 1000, ...options });
  servers.push(server);
  return server;
}

interface Answer {
  http: number;
  body: any;
}

async function request(server: TestServer, method: "GET" | "POST", token: string | null, options: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const query = token === null ? "" : `?token=${encodeURIComponent(token)}`;
  const response = await fetch(`${server.url}/live/longpoll${query}`, {
    method,
    headers: { ...(method === "POST" ? { "content-type": "text/plain" } : {}), ...options.headers },
    body: options.body,
  });
  return { http: response.status, body: await response.json() };
}

/** One long-polling client, as the browser's: a token, frames out by POST, frames in by GET. */
class Poller {
  readonly server: TestServer;
  readonly headers: Record<string, string>;
  token = "";
  #ref = 0;

  constructor(server: TestServer, headers: Record<string, string> = {}) {
    this.server = server;
    this.headers = headers;
  }

  async open(): Promise<this> {
    const { http, body } = await request(this.server, "GET", null, { headers: this.headers });
    expect(http).toBe(200);
    expect(body).toEqual({ status: 410, token: expect.any(String) });
    this.token = body.token;
    return this;
  }

  nextRef(): string {
    return String(++this.#ref);
  }

  send(...frames: (Frame | string)[]): Promise<Answer> {
    const body = frames.map((f) => (typeof f === "string" ? f : JSON.stringify(f))).join("\n");
    return request(this.server, "POST", this.token, { body, headers: this.headers });
  }

  async poll(): Promise<Answer> {
    const answer = await request(this.server, "GET", this.token, { headers: this.headers });
    if (answer.body.token) this.token = answer.body.token;
    return answer;
  }

  /** Polls until frames arrive; resolves with them. */
  async frames(): Promise<Frame[]> {
    for (let i = 0; i < 20; i++) {
      const { body } = await this.poll();
      if (body.status === 200) return body.messages;
      if (body.status !== 204) throw new Error(`poll answered ${JSON.stringify(body)}`);
    }
    throw new Error("no frames arrived");
  }

  /** Sends a frame and polls until its reply arrives (other frames are collected in `seen`). */
  async call(topic: string, event: string, payload: unknown, joinRef: string | null = null, seen: Frame[] = []): Promise<Frame> {
    const ref = this.nextRef();
    expect((await this.send([joinRef, ref, topic, event, payload])).body).toEqual({ status: 200 });
    for (;;) {
      for (const frame of await this.frames()) {
        if (frame[1] === ref && frame[3] === "phx_reply") return frame;
        seen.push(frame);
      }
    }
  }

  async join(topic: string, payload: unknown = {}): Promise<{ joinRef: string; reply: Frame }> {
    const joinRef = String(this.#ref + 1);
    return { joinRef, reply: await this.call(topic, "phx_join", payload, joinRef) };
  }
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}

describe("a session", () => {
  test("a GET without a token opens one: {status: 410, token}, never cached, one connection", async () => {
    const server = await start();
    const response = await fetch(`${server.url}/live/longpoll`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: 410, token: expect.any(String) });
    expect(server.app.switchboard.connections.size).toBe(1);
  });

  test("a GET with the token and nothing to send answers 204 (with a token) after the poll timeout", async () => {
    const server = await start({ longPollTimeoutMs: 150 });
    const client = await new Poller(server).open();
    const started = Date.now();
    const { http, body } = await client.poll();
    const elapsed = Date.now() - started;
    expect(http).toBe(200);
    expect(body).toEqual({ status: 204, token: expect.any(String) });
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
    expect((await client.poll()).body.status).toBe(204);
  });

  test("a heartbeat POSTed is answered on the next poll", async () => {
    const server = await start();
    const client = await new Poller(server).open();
    const reply = await client.call("phoenix", "heartbeat", {});
    expect(reply).toEqual([null, "1", "phoenix", "phx_reply", { status: "ok", response: {} }]);
  });

  test("several frames in one POST, one per line, are all answered in order", async () => {
    const server = await start();
    const client = await new Poller(server).open();
    await client.send([null, "1", "phoenix", "heartbeat", {}], "", [null, "2", "phoenix", "heartbeat", {}]);
    const frames: Frame[] = [];
    while (frames.length < 2) frames.push(...(await client.frames()));
    expect(frames.map((f) => f[1])).toEqual(["1", "2"]);
  });

  test("a newer poll replaces one still waiting, which answers 204 at once", async () => {
    const server = await start({ longPollTimeoutMs: 5000 });
    const client = await new Poller(server).open();
    const first = client.poll();
    await sleep(100);
    const started = Date.now();
    const second = client.poll();
    expect((await first).body.status).toBe(204);
    expect(Date.now() - started).toBeLessThan(1000);
    await client.send([null, "9", "phoenix", "heartbeat", {}]);
    expect((await second).body.messages).toEqual([[null, "9", "phoenix", "phx_reply", { status: "ok", response: {} }]]);
  });
});

describe("channels over long polling", () => {
  test("a join POSTed is answered by polling", async () => {
    const server = await start();
    const client = await new Poller(server).open();
    const { joinRef, reply } = await client.join("room:lobby");
    expect(reply).toEqual([joinRef, joinRef, "room:lobby", "phx_reply", { status: "ok", response: { joined: "room:lobby" } }]);
    const ping = await client.call("room:lobby", "ping", { n: 1 }, joinRef);
    expect(ping[4]).toEqual({ status: "ok", response: { n: 1 } });
  });

  test("a broadcast reaches a waiting poll, which returns promptly", async () => {
    const server = await start({ longPollTimeoutMs: 10_000 });
    const client = await new Poller(server).open();
    await client.join("room:news");
    const waiting = client.poll();
    await sleep(100);
    const started = Date.now();
    server.app.switchboard.pubsub.broadcast("room:news", "headline", { text: "Sneakers restocked" });
    const { body } = await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(body).toEqual({ status: 200, token: expect.any(String), messages: [[null, null, "room:news", "headline", { text: "Sneakers restocked" }]] });
  });

  test("a broadcast from one long-polling client reaches another", async () => {
    const server = await start();
    const alice = await new Poller(server).open();
    const bob = await new Poller(server).open();
    const { joinRef } = await alice.join("room:1");
    await bob.join("room:1");
    await alice.send([joinRef, alice.nextRef(), "room:1", "shout", { from: "alice" }]);
    expect(await bob.frames()).toEqual([[null, null, "room:1", "shout", { from: "alice" }]]);
    expect(await alice.frames()).toEqual([[null, null, "room:1", "shout", { from: "alice" }]]);
  });

  test("frames queued while no poll was waiting arrive together on the next poll", async () => {
    const server = await start();
    const client = await new Poller(server).open();
    await client.join("room:q");
    for (const n of [1, 2, 3]) server.app.switchboard.pubsub.broadcast("room:q", "tick", { n });
    await sleep(50);
    const { body } = await client.poll();
    expect(body.messages.map((m: Frame) => m[4].n)).toEqual([1, 2, 3]);
  });
});

describe("refusals", () => {
  test("a forged token gets {status: 410} on POST, and on GET a new session instead of the forged one", async () => {
    const server = await start();
    const forged = new Signer("another secret, for another server entirely").sign("longpoll", "abc");
    for (const token of [forged, "not-a-token", ""]) {
      const post = await request(server, "POST", token, { body: JSON.stringify([null, "1", "phoenix", "heartbeat", {}]) });
      expect(post).toEqual({ http: 200, body: { status: 410 } });
      const get = await request(server, "GET", token);
      expect(get.body).toEqual({ status: 410, token: expect.any(String) });
      expect(get.body.token).not.toBe(token);
    }
    expect((await request(server, "POST", null, { body: "" })).body).toEqual({ status: 410 });
  });

  test("a genuine token for a session that no longer exists gets {status: 410}", async () => {
    const server = await start();
    const unknown = server.app.switchboard.signer.sign("longpoll", "no-such-session");
    expect((await request(server, "POST", unknown, { body: "" })).body).toEqual({ status: 410 });
    const get = await request(server, "GET", unknown);
    expect(get.body.status).toBe(410);
    expect(get.body.token).not.toBe(unknown);
  });

  test("a token signed for something else is not a session token", async () => {
    const server = await start();
    const client = await new Poller(server).open();
    const id = server.app.switchboard.signer.verify("longpoll", client.token, 60_000);
    const otherSalt = server.app.switchboard.signer.sign("live", id);
    expect((await request(server, "POST", otherSalt, { body: "" })).body).toEqual({ status: 410 });
  });

  test("a foreign Origin is refused with 403 on GET and POST, and opens no session", async () => {
    const server = await start();
    const evil = { origin: "http://evil.example" };
    for (const method of ["GET", "POST"] as const) {
      const answer = await request(server, method, null, { headers: evil, body: method === "POST" ? "" : undefined });
      expect(answer).toEqual({ http: 403, body: { status: 403, error: "origin not allowed", code: "SB_ERR_ORIGIN" } });
    }
    const client = await new Poller(server).open();
    expect((await request(server, "POST", client.token, { headers: evil, body: "" })).http).toBe(403);
    expect(server.app.switchboard.connections.size).toBe(1);
  });

  test("the page's own Origin is allowed", async () => {
    const server = await start();
    const client = await new Poller(server, { origin: server.url }).open();
    expect((await client.call("phoenix", "heartbeat", {}))[4]).toEqual({ status: "ok", response: {} });
  });

  test("a refusing connect hook answers 403 and opens no session", async () => {
    const server = await start({ connect: () => false });
    const answer = await request(server, "GET", null);
    expect(answer).toEqual({ http: 403, body: { status: 403, error: "connection refused", code: "SB_ERR_CONNECT_REFUSED" } });
    expect(server.app.switchboard.connections.size).toBe(0);
  });
});

describe("bad frames over POST", () => {
  test("are answered with errors, and the session keeps working", async () => {
    const server = await start();
    const client = await new Poller(server).open();
    const answer = await client.send("not json", "[1,2]", JSON.stringify(["1", "2", "room:x", "phx_join", "not an object"]), JSON.stringify([null, "3", "nowhere", "ping", {}]));
    expect(answer).toEqual({ http: 200, body: { status: 200 } });
    const frames: Frame[] = [];
    while (frames.length < 4) frames.push(...(await client.frames()));
    expect(frames).toEqual([
      [null, null, "phoenix", "phx_error", { reason: "the message is not valid JSON", code: "SB_ERR_FRAME_JSON" }],
      [null, null, "phoenix", "phx_error", { reason: expect.any(String), code: "SB_ERR_FRAME_SHAPE" }],
      ["1", "2", "room:x", "phx_reply", { status: "error", response: { reason: "payload must be a JSON object", code: "SB_ERR_FRAME_SHAPE" } }],
      [null, "3", "nowhere", "phx_reply", { status: "error", response: { reason: "unmatched topic", code: "SB_ERR_UNMATCHED_TOPIC" } }],
    ]);
    const { reply } = await client.join("room:after");
    expect(reply[4].status).toBe("ok");
  });

  test("a JSON body is read as one frame, not dropped", async () => {
    const server = await start();
    const client = await new Poller(server).open();
    const answer = await request(server, "POST", client.token, { body: JSON.stringify([null, "5", "phoenix", "heartbeat", {}]), headers: { "content-type": "application/json" } });
    expect(answer.body).toEqual({ status: 200 });
    expect(await client.frames()).toEqual([[null, "5", "phoenix", "phx_reply", { status: "ok", response: {} }]]);
  });

  test("a frame over the size limit closes the session", async () => {
    const server = await start({ limits: { maxFrameBytes: 200 } });
    const client = await new Poller(server).open();
    await client.send(JSON.stringify([null, "1", "phoenix", "heartbeat", { pad: "x".repeat(500) }]));
    expect(server.app.switchboard.connections.size).toBe(0);
    expect((await client.send([null, "2", "phoenix", "heartbeat", {}])).body).toEqual({ status: 410 });
    // The client learns it on its next poll: a 410 (with a new session's token, as for any unknown token).
    expect((await client.poll()).body.status).toBe(410);
  });
});

describe("live views over long polling", () => {
  test("a view joins with the page's session, CSRF token and cookie, and an event's reply carries the diff", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    expect(page.html).toContain("<p>Count: 0</p>");
    const client = await new Poller(server, { cookie: page.cookie }).open();
    const topic = `lv:${page.id}`;
    const { joinRef, reply } = await client.join(topic, { url: `${server.url}/`, session: page.session, params: { _csrf_token: page.csrf } });
    expect(reply[4].status).toBe("ok");
    const tree = createTree();
    merge(tree, reply[4].response.rendered);
    expect(toHTML(tree)).toBe("<p>Count: 0</p>");
    const event = await client.call(topic, "event", { type: "click", event: "inc", value: {} }, joinRef);
    expect(event[4]).toEqual({ status: "ok", response: { diff: { 0: "1" } } });
    merge(tree, event[4].response.diff);
    expect(toHTML(tree)).toBe("<p>Count: 1</p>");
  });

  test("a join without the session cookie is refused with a CSRF error", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const client = await new Poller(server).open();
    const { reply } = await client.join(`lv:${page.id}`, { url: `${server.url}/`, session: page.session, params: { _csrf_token: page.csrf } });
    expect(reply[4]).toEqual({ status: "error", response: expect.objectContaining({ code: "SB_ERR_CSRF" }) });
  });
});

describe("cleanup", () => {
  test("a client that stops polling is closed after about two poll timeouts, and its channels terminate", async () => {
    const server = await start({ longPollTimeoutMs: 100 });
    const endpoint = server.app.switchboard;
    const client = await new Poller(server).open();
    await client.join("room:gone");
    const [connection] = [...endpoint.connections];
    expect(endpoint.connections.size).toBe(1);
    const stopped = Date.now();
    await until(() => endpoint.connections.size === 0, 3000);
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(150);
    expect(connection!.closed).toBe(true);
    await until(() => terminated.length > 0);
    expect(terminated).toEqual(["room:gone connection closed"]);
    expect((await client.send([null, "9", "phoenix", "heartbeat", {}])).body).toEqual({ status: 410 });
    expect((await client.poll()).body.status).toBe(410);
  });

  test("a client that keeps polling stays connected across many poll timeouts", async () => {
    const server = await start({ longPollTimeoutMs: 100 });
    const client = await new Poller(server).open();
    await client.join("room:kept");
    const deadline = Date.now() + 700;
    while (Date.now() < deadline) expect((await client.poll()).body.status).toBe(204);
    expect(server.app.switchboard.connections.size).toBe(1);
    expect(terminated).toEqual([]);
    expect((await client.call("room:kept", "ping", {}, "1"))[4].status).toBe("ok");
  });

  test("a session that never polls after opening is closed too", async () => {
    const server = await start({ longPollTimeoutMs: 100 });
    await new Poller(server).open();
    await until(() => server.app.switchboard.connections.size === 0, 3000);
  });

  test("closing the server answers a waiting poll with 410 and terminates its channels", async () => {
    const server = await start({ longPollTimeoutMs: 10_000 });
    const client = await new Poller(server).open();
    await client.join("room:shutdown");
    const waiting = client.poll();
    await sleep(100);
    const closing = server.close();
    servers.splice(servers.indexOf(server), 1);
    expect((await waiting).body).toEqual({ status: 410 });
    await closing;
    expect(terminated).toEqual(["room:shutdown connection closed"]);
  });
});
