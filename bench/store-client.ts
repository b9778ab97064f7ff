// What the store benchmarks' drivers share: lean HTTP requests, loading a live page as a browser
// tab would (its own cookie, session and CSRF tokens), opening its websocket and joining it with
// the real Phoenix v2 frames, staggered heartbeats, and bounded waits that fail with a reason.

import http from "node:http";
import WebSocket from "ws";

export class BenchFailure extends Error {}

/** The store server's floor routes (store-server.ts): a bare websocket echo and the page's bytes as they are. */
export const ECHO_PATH = "/bench/echo";
export const STATIC_PATH = "/bench/static";

export function fail(message: string): never {
  throw new BenchFailure(message);
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: "GET" | "POST";
  /** false: "Connection: close", so no idle keep-alive socket lingers in the server's heap. */
  agent?: http.Agent | false;
  headers?: Record<string, string>;
  json?: unknown;
  timeoutMs?: number;
}

export function request(url: string, options: RequestOptions = {}): Promise<Response> {
  const method = options.method ?? "GET";
  const headers = { ...options.headers };
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  if (body !== undefined) headers["content-type"] = "application/json";
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: options.agent ?? false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new BenchFailure(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** A control route of the bench server: JSON in, JSON out, 200 or a failure. */
export async function control<T>(url: string, method: "GET" | "POST" = "GET", json?: unknown): Promise<T> {
  const res = await request(url, { method, json });
  if (res.status !== 200) fail(`${method} ${url} answered ${res.status}: ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as T;
}

/** What a tab needs from its page to join the live view. */
export interface LoadedPage {
  readonly path: string;
  readonly cookie: string;
  readonly session: string;
  readonly csrf: string;
  readonly id: string;
  /** The response's body length, bytes. */
  readonly bytes: number;
}

export async function loadPage(base: string, path: string, options: { agent?: http.Agent | false; cookie?: string; headers?: Record<string, string> } = {}): Promise<LoadedPage> {
  const headers = { ...options.headers, ...(options.cookie ? { cookie: options.cookie } : {}) };
  const res = await request(base + path, { agent: options.agent, headers });
  if (res.status !== 200) fail(`GET ${path} answered ${res.status}: ${res.body.slice(0, 200)}`);
  const setCookie = res.headers["set-cookie"]?.[0];
  const page = {
    path,
    cookie: setCookie ? setCookie.split(";")[0]! : (options.cookie ?? ""),
    session: /data-phx-session="([^"]+)"/.exec(res.body)?.[1] ?? "",
    csrf: /name="csrf-token" content="([^"]+)"/.exec(res.body)?.[1] ?? "",
    id: /<div id="(phx-[^"]+)" data-phx-main/.exec(res.body)?.[1] ?? "",
    bytes: Buffer.byteLength(res.body),
  };
  if (!page.cookie || !page.session || !page.csrf || !page.id) fail(`GET ${path} lacks a session cookie, token, CSRF token or view id: ${res.body.slice(0, 300)}`);
  return page;
}

/** The live view's HTML inside the page's container (what a joined view's merged tree must equal). */
export function containerContent(body: string): string {
  const match = /data-phx-main data-phx-session="[^"]*">([\s\S]*)<\/div><\/body>/.exec(body);
  if (!match) fail("the page has no live container followed by </body>");
  return match[1]!;
}

/**
 * Opens the tab's websocket as the browser client does (vsn 2.0.0, its cookie, same origin). The
 * driver skips ws's UTF-8 check of each text frame: it is the measuring instrument, and every frame
 * it keeps is parsed as JSON later anyway.
 */
export function openSocket(base: string, cookie: string): Promise<WebSocket> {
  return opened(new WebSocket(`${base.replace("http", "ws")}/live/websocket?vsn=2.0.0`, { headers: { cookie, origin: base }, perMessageDeflate: false, skipUTF8Validation: true }));
}

/** A websocket to one of the server's bench routes (http URL), with the same client options. */
export function openPlainSocket(url: string): Promise<WebSocket> {
  return opened(new WebSocket(url.replace("http", "ws"), { perMessageDeflate: false, skipUTF8Validation: true }));
}

function opened(ws: WebSocket): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new BenchFailure(`websocket upgrade refused with HTTP ${res.statusCode}`)));
  });
}

/** The phx_join frame for a loaded page. */
export function joinFrame(base: string, page: LoadedPage, joinRef: string): string {
  return JSON.stringify([joinRef, joinRef, `lv:${page.id}`, "phx_join", { url: base + page.path, session: page.session, params: { _csrf_token: page.csrf } }]);
}

/** A heartbeat reply (topic "phoenix") rather than anything of a view's. */
export function isHeartbeatReply(data: Buffer): boolean {
  return data.includes(HEARTBEAT_REPLY);
}
const HEARTBEAT_REPLY = Buffer.from('"phoenix","phx_reply"');

/**
 * Heartbeats as browsers send them, every 30 s per socket, spread evenly over the interval so
 * that N sockets cost N/30 small frames a second rather than N at once (the server closes a
 * socket silent for 60 s).
 */
export class Heartbeats {
  static readonly TICK_MS = 100;
  readonly #sockets: WebSocket[] = [];
  readonly #timer: NodeJS.Timeout;
  /** Heartbeats owed (fractional), the next socket in the rotation, the last ref. */
  #owed = 0;
  #next = 0;
  #ref = 0;

  constructor(readonly intervalMs = 30_000) {
    this.#timer = setInterval(() => this.#tick(), Heartbeats.TICK_MS);
  }

  add(ws: WebSocket): void {
    this.#sockets.push(ws);
  }

  #tick(): void {
    const n = this.#sockets.length;
    this.#owed += (n * Heartbeats.TICK_MS) / this.intervalMs;
    for (; this.#owed >= 1; this.#owed--) {
      const ws = this.#sockets[this.#next++ % n]!;
      if (ws.readyState === WebSocket.OPEN) ws.send(`[null,"h${++this.#ref}","phoenix","heartbeat",{}]`);
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export async function inBatches<T, R>(items: readonly T[], concurrency: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

export function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchFailure(`${what()} (after ${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` holds, checking every `everyMs`; fails with `what()` after `ms`. */
export async function until(done: () => boolean | Promise<boolean>, ms: number, what: () => string, everyMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) fail(`${what()} (after ${ms} ms)`);
    await sleep(everyMs);
  }
}

/** The driver's side of the IPC: one message to the parent, and exit if the parent goes. */
export function tellParent(message: unknown): Promise<void> {
  if (!process.send) {
    console.log(JSON.stringify(message, null, 2));
    return Promise.resolve();
  }
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

/** Parses `--name=value` arguments. */
export function parseArgs(argv: readonly string[]): Record<string, string> {
  return Object.fromEntries(argv.map((a) => /^--([^=]+)=(.*)$/.exec(a)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]));
}
