// The runtime benchmark's load driver: N browser tabs (page load, websocket, join), the server's
// memory between phases, then broadcasts (and the bare-socket floor) timed until every page has its
// diff. Every wait is bounded; a missing or unexpected frame fails the run with the reason.

import http from "node:http";
import WebSocket from "ws";
import { createTree, merge, toHTML } from "../src/switchboard/index.ts";
import type { BroadcastReport, MemoryReport } from "./runtime-server.ts";

export interface DriverOptions {
  url: string;
  views: number;
  /** Measured broadcast rounds (after WARM_ROUNDS unmeasured ones). */
  rounds: number;
}

export interface RoundFigures {
  /** From the server's broadcast() call to the first / last page receiving its diff, ms. */
  firstMs: number;
  lastMs: number;
  /** Server side: broadcast() returned; every frame written. */
  deliverMs: number;
  writtenMs: number;
  /** From the driver sending the trigger request to the last page's diff, ms. */
  fromTriggerMs: number;
  /** Sizes of the diff frames of this round (websocket payload, envelope included). */
  frameBytes: { min: number; median: number; max: number };
  /** One of the round's frames, as sent. */
  sampleFrame: string;
}

export interface DriverResult {
  views: number;
  memory: { before: MemoryReport; connected: MemoryReport; joined: MemoryReport };
  loadPagesMs: number;
  connectMs: number;
  joinMs: number;
  joinReplyBytes: number;
  rounds: RoundFigures[];
  /** The same number of rounds of pre-encoded frames written straight to the sockets. */
  floor: RoundFigures[];
  sampled: number;
}

export type DriverMessage = { type: "result"; result: DriverResult } | { type: "error"; message: string };

const WARMUP_VIEWS = 50;
const WARM_ROUNDS = 2;
const PAGE_CONCURRENCY = 16;
const CONNECT_CONCURRENCY = 64;
const PHASE_TIMEOUT_MS = 20_000;
const ROUND_TIMEOUT_MS = 10_000;
const PAUSE_BETWEEN_ROUNDS_MS = 50;
const SAMPLES = 5;

class BenchFailure extends Error {}

function fail(message: string): never {
  throw new BenchFailure(message);
}

// ---- HTTP ------------------------------------------------------------------------------------

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, method: "GET" | "POST", agent: http.Agent | false, cookie = "", json?: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (json !== undefined) headers["content-type"] = "application/json";
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(PHASE_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${url}: no answer within ${PHASE_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end(json);
  });
}

async function control<T>(url: string, method: "GET" | "POST", json?: string): Promise<T> {
  // agent: false → "Connection: close", so no idle keep-alive socket lingers in the server's heap.
  const res = await request(url, method, false, "", json);
  if (res.status !== 200) fail(`${method} ${url} answered ${res.status}: ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as T;
}

interface Page {
  cookie: string;
  session: string;
  csrf: string;
  id: string;
}

async function loadPage(url: string, agent: http.Agent): Promise<Page> {
  const res = await request(url + "/", "GET", agent);
  if (res.status !== 200) fail(`GET / answered ${res.status}`);
  const setCookie = res.headers["set-cookie"]?.[0];
  const page = {
    cookie: setCookie ? setCookie.split(";")[0]! : "",
    session: /data-phx-session="([^"]+)"/.exec(res.body)?.[1] ?? "",
    csrf: /name="csrf-token" content="([^"]+)"/.exec(res.body)?.[1] ?? "",
    id: /<div id="(phx-[^"]+)" data-phx-main/.exec(res.body)?.[1] ?? "",
  };
  if (!page.cookie || !page.session || !page.csrf || !page.id) fail(`GET / lacks a session cookie, token, CSRF token or view id: ${res.body.slice(0, 300)}`);
  return page;
}

/** The live view's HTML inside the page's container (what a joined view's merged tree must equal). */
function containerContent(body: string): string {
  const match = /data-phx-main data-phx-session="[^"]*">([\s\S]*)<\/div><\/body>/.exec(body);
  if (!match) fail("the page has no live container followed by </body>");
  return match[1]!;
}

async function inBatches<T, R>(items: readonly T[], concurrency: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
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

function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchFailure(`${what()} (after ${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- Shoppers: one page, one websocket, one joined view ------------------------------------

/** One broadcast round in flight: what each shopper received and when. */
class Round {
  readonly received: bigint[];
  readonly frames: (Buffer | null)[];
  readonly extra: [number, string][] = [];
  count = 0;
  readonly done: Promise<void>;
  #resolve!: () => void;

  constructor(readonly size: number) {
    this.received = new Array<bigint>(size).fill(0n);
    this.frames = new Array<Buffer | null>(size).fill(null);
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  record(index: number, at: bigint, data: Buffer): void {
    if (this.frames[index] !== null) {
      this.extra.push([index, data.toString()]);
      return;
    }
    this.received[index] = at;
    this.frames[index] = data;
    if (++this.count === this.size) this.#resolve();
  }
}

class Shopper {
  readonly topic: string;
  readonly joinRef = "1";
  ws: WebSocket | null = null;
  joinReply: Buffer | null = null;
  #joined: (() => void) | null = null;
  /** For sampled shoppers: every diff received, to merge and compare at the end. */
  readonly kept: Buffer[] | null;

  constructor(
    readonly index: number,
    readonly page: Page,
    readonly driver: Driver,
    sampled: boolean,
  ) {
    this.topic = `lv:${page.id}`;
    this.kept = sampled ? [] : null;
  }

  connect(url: string): Promise<void> {
    const ws = new WebSocket(`${url.replace("http", "ws")}/live/websocket?vsn=2.0.0`, {
      headers: { cookie: this.page.cookie, origin: url },
      perMessageDeflate: false,
    });
    this.ws = ws;
    ws.on("message", (data: Buffer) => this.#message(data));
    ws.on("close", (code, reason) => this.driver.closed(this, code, reason.toString()));
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`websocket upgrade refused with HTTP ${res.statusCode}`)));
    });
  }

  join(url: string): Promise<void> {
    const joined = new Promise<void>((resolve) => (this.#joined = resolve));
    const payload = { url: url + "/", session: this.page.session, params: { _csrf_token: this.page.csrf } };
    this.ws!.send(JSON.stringify([this.joinRef, this.joinRef, this.topic, "phx_join", payload]));
    return joined;
  }

  #message(data: Buffer): void {
    const at = process.hrtime.bigint();
    if (this.#joined) {
      this.joinReply = data;
      const resolve = this.#joined;
      this.#joined = null;
      return resolve();
    }
    const round = this.driver.round;
    if (!round) return this.driver.unexpected(this, data.toString());
    round.record(this.index, at, data);
    this.kept?.push(data);
  }

  close(): void {
    this.ws?.removeAllListeners("close");
    this.ws?.close();
  }
}

class Driver {
  readonly options: DriverOptions;
  round: Round | null = null;
  readonly problems: string[] = [];
  #closing = false;

  constructor(options: DriverOptions) {
    this.options = options;
  }

  unexpected(shopper: Shopper, text: string): void {
    this.problems.push(`shopper ${shopper.index} received a frame outside a round: ${text.slice(0, 200)}`);
  }

  closed(shopper: Shopper, code: number, reason: string): void {
    if (!this.#closing) this.problems.push(`shopper ${shopper.index}'s websocket closed (${code} ${reason})`);
  }

  #check(): void {
    if (this.problems.length > 0) fail(`${this.problems.length} problem(s): ${this.problems.slice(0, 5).join("; ")}`);
  }

  async memory(): Promise<MemoryReport> {
    const report = await control<MemoryReport>(`${this.options.url}/bench/memory`, "GET");
    if (report.errors > 0) fail(`the server logged ${report.errors} error(s); see its stderr`);
    return report;
  }

  async loadPages(count: number): Promise<Page[]> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: PAGE_CONCURRENCY });
    try {
      return await inBatches(Array.from({ length: count }), PAGE_CONCURRENCY, () => loadPage(this.options.url, agent));
    } finally {
      agent.destroy();
    }
  }

  async open(pages: readonly Page[], sampleEvery: number): Promise<Shopper[]> {
    const shoppers = pages.map((page, i) => new Shopper(i, page, this, sampleEvery > 0 && i % sampleEvery === 0));
    await within(inBatches(shoppers, CONNECT_CONCURRENCY, (s) => s.connect(this.options.url)), PHASE_TIMEOUT_MS, () => `could not open ${shoppers.length} websockets`);
    return shoppers;
  }

  async join(shoppers: readonly Shopper[]): Promise<void> {
    let joined = 0;
    await within(
      Promise.all(shoppers.map((s) => s.join(this.options.url).then(() => joined++))),
      PHASE_TIMEOUT_MS,
      () => `only ${joined} of ${shoppers.length} joins were answered`,
    );
    for (const s of shoppers) {
      const [, ref, topic, event, payload] = JSON.parse(s.joinReply!.toString());
      if (ref !== s.joinRef || topic !== s.topic || event !== "phx_reply" || payload?.status !== "ok") {
        fail(`shopper ${s.index}'s join was not accepted: ${s.joinReply!.toString().slice(0, 300)}`);
      }
    }
  }

  /**
   * One broadcast (or, with `floorPayload`, one floor round): triggers it, waits until every
   * shopper has a frame, and checks each is its diff.
   */
  async broadcast(shoppers: readonly Shopper[], floorPayload?: string): Promise<RoundFigures> {
    const round = new Round(shoppers.length);
    this.round = round;
    const sent = process.hrtime.bigint();
    const report = floorPayload === undefined
      ? await control<BroadcastReport>(`${this.options.url}/bench/broadcast`, "POST")
      : await control<BroadcastReport>(`${this.options.url}/bench/floor`, "POST", floorPayload);
    await within(round.done, ROUND_TIMEOUT_MS, () => `only ${round.count} of ${shoppers.length} views received the broadcast's diff`);
    // A late duplicate would land in round.extra: give stragglers one more turn before checking.
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.round = null;
    this.#check();
    if (report.subscribers !== shoppers.length) fail(`the server had ${report.subscribers} subscribers on the topic; expected ${shoppers.length}`);
    if (round.extra.length > 0) fail(`${round.extra.length} extra frame(s) in one round, e.g. ${round.extra[0]![1].slice(0, 200)}`);
    const t0 = BigInt(report.t0);
    if (t0 < sent) fail("the server's clock is behind the driver's: process.hrtime must be CLOCK_MONOTONIC on both sides");
    let first = round.received[0]!;
    let last = first;
    const frameBytes: number[] = [];
    for (const s of shoppers) {
      const data = round.frames[s.index]!;
      const [, ref, topic, event, payload] = JSON.parse(data.toString());
      if (ref !== null || topic !== s.topic || event !== "diff" || typeof payload !== "object" || payload === null) {
        fail(`shopper ${s.index} received something other than its diff: ${data.toString().slice(0, 200)}`);
      }
      const at = round.received[s.index]!;
      if (at < first) first = at;
      if (at > last) last = at;
      frameBytes.push(data.length);
    }
    const ms = (t: bigint) => Number(t - t0) / 1e6;
    frameBytes.sort((a, b) => a - b);
    return {
      firstMs: ms(first),
      lastMs: ms(last),
      deliverMs: ms(BigInt(report.t1)),
      writtenMs: ms(BigInt(report.t2)),
      fromTriggerMs: Number(last - sent) / 1e6,
      frameBytes: { min: frameBytes[0]!, median: frameBytes[frameBytes.length >> 1]!, max: frameBytes[frameBytes.length - 1]! },
      sampleFrame: round.frames[0]!.toString(),
    };
  }

  /** Waits until the server has forgotten every connection and subscription. */
  async drained(): Promise<MemoryReport> {
    const until = Date.now() + PHASE_TIMEOUT_MS;
    for (;;) {
      const report = await this.memory();
      if (report.connections === 0 && report.subscribers === 0) return report;
      if (Date.now() > until) fail(`after closing every socket the server still has ${report.connections} connections and ${report.subscribers} subscribers`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  closeAll(shoppers: readonly Shopper[]): void {
    for (const s of shoppers) s.close();
  }

  async run(): Promise<DriverResult> {
    const { views, rounds } = this.options;
    // Warm-up: compiles the code paths and fills one-time caches before the baseline.
    const warm = await this.open(await this.loadPages(Math.min(WARMUP_VIEWS, views)), 0);
    await this.join(warm);
    for (let r = 0; r < WARM_ROUNDS; r++) await this.broadcast(warm);
    this.closeAll(warm);
    await this.drained();

    let started = performance.now();
    const pages = await this.loadPages(views);
    const loadPagesMs = performance.now() - started;
    const before = await this.memory();

    started = performance.now();
    const shoppers = await this.open(pages, Math.max(1, Math.floor(views / SAMPLES)));
    const connectMs = performance.now() - started;
    const connected = await this.memory();
    if (connected.connections !== views) fail(`the server counts ${connected.connections} connections; expected ${views}`);

    started = performance.now();
    await this.join(shoppers);
    const joinMs = performance.now() - started;
    const joined = await this.memory();
    if (joined.subscribers !== views) fail(`the server counts ${joined.subscribers} subscribers of the bench topic; expected ${views}`);
    this.#check();

    const figures: RoundFigures[] = [];
    for (let r = 0; r < WARM_ROUNDS + rounds; r++) {
      await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_ROUNDS_MS));
      const round = await this.broadcast(shoppers);
      if (r >= WARM_ROUNDS) figures.push(round);
    }

    const sampled = await this.compareSamples(shoppers);

    // The floor, after the pages were checked: these frames repeat the last diff, unmerged.
    const payload = JSON.stringify(JSON.parse(figures[figures.length - 1]!.sampleFrame)[4]);
    const floor: RoundFigures[] = [];
    for (let r = 0; r < WARM_ROUNDS + rounds; r++) {
      await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_ROUNDS_MS));
      const round = await this.broadcast(shoppers, payload);
      if (r >= WARM_ROUNDS) floor.push(round);
    }

    this.#closing = true;
    this.closeAll(shoppers);
    return { views, memory: { before, connected, joined }, loadPagesMs, connectMs, joinMs, joinReplyBytes: shoppers[0]!.joinReply!.length, rounds: figures, floor, sampled };
  }

  /** Sampled pages: the join's render plus every diff, merged, must equal a fresh render's HTML. */
  async compareSamples(shoppers: readonly Shopper[]): Promise<number> {
    const fresh = containerContent((await request(`${this.options.url}/`, "GET", false)).body);
    let count = 0;
    for (const s of shoppers) {
      if (!s.kept) continue;
      const tree = createTree();
      merge(tree, JSON.parse(s.joinReply!.toString())[4].response.rendered);
      for (const frame of s.kept) merge(tree, JSON.parse(frame.toString())[4]);
      const merged = toHTML(tree);
      if (merged !== fresh) fail(`shopper ${s.index}'s page differs from a fresh render:\n  merged: ${merged.slice(0, 400)}\n  fresh:  ${fresh.slice(0, 400)}`);
      count++;
    }
    if (count === 0) fail("no page was sampled");
    return count;
  }
}

function parseArgs(argv: readonly string[]): DriverOptions {
  const args = Object.fromEntries(argv.map((a) => /^--([^=]+)=(.*)$/.exec(a)).filter((m) => m !== null).map((m) => [m[1], m[2]]));
  const views = Number(args.views ?? 1000);
  const rounds = Number(args.rounds ?? 20);
  if (!args.url) throw new Error("usage: load-driver.ts --url=http://127.0.0.1:PORT [--views=1000] [--rounds=20]");
  if (!Number.isInteger(views) || views < 1) throw new Error(`--views must be a positive integer; received ${args.views}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer; received ${args.rounds}`);
  return { url: args.url, views, rounds };
}

function tell(message: DriverMessage): Promise<void> {
  if (!process.send) {
    console.log(JSON.stringify(message, null, 2));
    return Promise.resolve();
  }
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

// If the parent goes away, so do we.
const orphaned = () => process.exit(1);
process.on("disconnect", orphaned);

let message: DriverMessage;
try {
  message = { type: "result", result: await new Driver(parseArgs(process.argv.slice(2))).run() };
} catch (error) {
  message = { type: "error", message: error instanceof BenchFailure ? error.message : String((error as Error)?.stack ?? error) };
}
await tell(message);
// Sockets and timers may still be open; the parent has what it needs.
process.off("disconnect", orphaned);
process.exit(message.type === "result" ? 0 : 1);
