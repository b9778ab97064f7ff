// A small Phoenix-protocol test client over a real websocket (the `ws` package), for the runtime's
// own tests: start an app on 127.0.0.1, load a live page over HTTP, open a socket with its cookie,
// join, push events, await replies and pushes, and keep the view's HTML with the shared merge.

import Fastify, { type FastifyInstance } from "fastify";
import WebSocket from "ws";
import { switchboard, type SwitchboardOptions } from "../../src/switchboard/plugin.ts";
import { createTree, merge, toHTML, type ClientTree } from "../../src/switchboard/merge.ts";
import type { WireDiff } from "../../src/switchboard/protocol.ts";

export type Frame = [string | null, string | null, string, string, any];

export interface TestServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Starts fastify with the plugin on a free port of 127.0.0.1. */
export async function startServer(options: SwitchboardOptions, setup?: (app: FastifyInstance) => void | Promise<void>): Promise<TestServer> {
  const app = Fastify();
  await app.register(switchboard, options);
  await setup?.(app);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, url, close: () => app.close() };
}

export interface Page {
  status: number;
  html: string;
  cookie: string;
  session: string;
  csrf: string;
  id: string;
  headers: Headers;
}

/** GETs a live page and reads what the client needs to join it. */
export async function loadPage(server: TestServer, path: string, cookie = ""): Promise<Page> {
  const response = await fetch(server.url + path, { headers: cookie ? { cookie } : {}, redirect: "manual" });
  const html = await response.text();
  const setCookie = response.headers.get("set-cookie");
  return {
    status: response.status,
    html,
    cookie: setCookie ? setCookie.split(";")[0]! : cookie,
    session: /data-phx-session="([^"]+)"/.exec(html)?.[1] ?? "",
    csrf: /name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? "",
    id: /<div id="(phx-[^"]+)" data-phx-main/.exec(html)?.[1] ?? "",
    headers: response.headers,
  };
}

export class TestSocket {
  readonly ws: WebSocket;
  readonly received: Frame[] = [];
  #ref = 0;
  #waiters: { test: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.received.push(frame);
      for (const waiter of [...this.#waiters]) {
        if (waiter.test(frame)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    });
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async connect(server: TestServer, options: { cookie?: string; origin?: string | null; query?: string } = {}): Promise<TestSocket> {
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    if (options.origin !== null) headers.origin = options.origin ?? server.url;
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/live/websocket?vsn=2.0.0${options.query ?? ""}`, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)));
    });
    return new TestSocket(ws);
  }

  nextRef(): string {
    return String(++this.#ref);
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Pushes and resolves with the phx_reply for this ref. */
  push(topic: string, event: string, payload: unknown, joinRef: string | null = null): Promise<Frame> {
    const ref = this.nextRef();
    const reply = this.waitFor((f) => f[1] === ref && f[3] === "phx_reply");
    this.send([joinRef, ref, topic, event, payload]);
    return reply;
  }

  /** The next frame to arrive matching `test` (frames received before the call are not looked at). */
  waitFor(test: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; received ${JSON.stringify(this.received.slice(-5))}`)), timeoutMs);
      this.#waiters.push({
        test,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** A joined live view: its client tree kept with the shared merge, as the browser would. */
export class LiveClient {
  readonly socket: TestSocket;
  readonly topic: string;
  readonly joinRef: string;
  readonly tree: ClientTree = createTree();
  readonly events: [string, unknown][] = [];
  joinReply: Frame | null = null;

  constructor(socket: TestSocket, topic: string, joinRef: string) {
    this.socket = socket;
    this.topic = topic;
    this.joinRef = joinRef;
    socket.ws.on("message", (data) => {
      const [, ref, topic, event, payload] = JSON.parse(data.toString()) as Frame;
      if (topic !== this.topic) return;
      // The join's render is merged here, in frame order: a diff may follow it in the same read,
      // before the awaiting join() resumes.
      if (event === "phx_reply" && ref === this.joinRef && payload.status === "ok" && payload.response?.rendered) this.apply(payload.response.rendered);
      else if (event === "diff") this.apply(payload);
      else if (event === "phx_reply" && ref !== this.joinRef && payload.response?.diff) this.apply(payload.response.diff);
    });
  }

  static async join(socket: TestSocket, page: Page, server: TestServer, path: string, extra: Record<string, unknown> = {}): Promise<LiveClient> {
    const topic = `lv:${page.id}`;
    const joinRef = socket.nextRef();
    const client = new LiveClient(socket, topic, joinRef);
    const reply = socket.waitFor((f) => f[1] === joinRef && f[3] === "phx_reply");
    socket.send([joinRef, joinRef, topic, "phx_join", { url: server.url + path, session: page.session, params: { _csrf_token: page.csrf }, ...extra }]);
    client.joinReply = await reply;
    return client;
  }

  apply(diff: WireDiff): void {
    merge(this.tree, JSON.parse(JSON.stringify(diff)));
    if (diff.e) this.events.push(...diff.e);
  }

  html(): string {
    return toHTML(this.tree);
  }

  /** Sends a live event and resolves with the reply frame (its diff already merged). */
  event(event: string, value: unknown = {}, options: { type?: string; cid?: number } = {}): Promise<Frame> {
    return this.socket.push(this.topic, "event", { type: options.type ?? "click", event, value, ...(options.cid ? { cid: options.cid } : {}) }, this.joinRef);
  }

  /** The next server push of `event` on this view's topic. */
  nextPush(event: string): Promise<Frame> {
    return this.socket.waitFor((f) => f[2] === this.topic && f[3] === event);
  }
}
