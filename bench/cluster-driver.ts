// The cluster benchmark's load driver (a child process): product pages opened round-robin over the
// store nodes as browser tabs (page load, websocket, join), each diff frame timed on arrival and
// kept; for each round of level changes the bench announces, when each page showed each change
// (level-round.ts). At the end every page's HTML is compared with a fresh render. Every wait is bounded.

import http from "node:http";
import WebSocket from "ws";
import { createTree, merge, toHTML } from "../src/switchboard/index.ts";
import { Round, type Frame, type LevelChange, type RoundPage, type RoundReport } from "./level-round.ts";

export type { LevelChange, RoundReport } from "./level-round.ts";

/** What the bench sends the driver. */
export type DriverCommand = { type: "expect"; round: number; changes: LevelChange[] } | { type: "check" } | { type: "stop" };

export interface PageSetup {
  loadMs: number;
  connectMs: number;
  joinMs: number;
  joinReplyBytes: number;
}

export interface CheckReport {
  /** Pages whose merged HTML equals a fresh render of `/` on their node. */
  equal: number;
  /** Diff frames merged after their page had shown its last round's changes. */
  extraFrames: number;
}

/** What the driver tells the bench. */
export type DriverMessage =
  | { type: "ready"; setup: PageSetup }
  | { type: "seen"; report: RoundReport }
  | { type: "checked"; report: CheckReport }
  | { type: "error"; message: string };

const PAGE_CONCURRENCY = 16;
const SOCKET_CONCURRENCY = 64;
const PHASE_TIMEOUT_MS = 60_000;
const ROUND_TIMEOUT_MS = 15_000;
const SETTLE_MS = 1000;
/** Each page heartbeats every HEARTBEAT_TICKS seconds (the nodes close sockets silent for 60 s). */
const HEARTBEAT_TICKS = 25;
const HEARTBEAT_REPLY = Buffer.from('"phoenix","phx_reply"');

class BenchFailure extends Error {}

function fail(message: string): never {
  throw new BenchFailure(message);
}

// ---- HTTP and pacing ---------------------------------------------------------------------------

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(url: string, agent: http.Agent | false): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(PHASE_TIMEOUT_MS, () => req.destroy(new Error(`GET ${url}: no answer within ${PHASE_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** The live view's HTML inside the page's container (what a joined view's merged tree must equal). */
function containerContent(body: string): string {
  const match = /data-phx-main data-phx-session="[^"]*">([\s\S]*)<\/div><\/body>/.exec(body);
  if (!match) fail("the page has no live container followed by </body>");
  return match[1]!;
}

async function inBatches<T>(items: readonly T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchFailure(`${what()} (after ${ms / 1000} s)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- Pages: one tab each -------------------------------------------------------------------------

class Page implements RoundPage {
  readonly joinRef = "1";
  topic = "";
  cookie = "";
  session = "";
  csrf = "";
  ws: WebSocket | null = null;
  joinReplyBytes = 0;
  readonly tree = createTree();
  /** Frames received and not merged yet, oldest first. */
  readonly inbox: Frame[] = [];
  /** Indexes of the round's changes this page does not show yet, and which of them a kept frame may show. */
  pending: number[] = [];
  candidate: boolean[] = [];
  #heartbeat = 0;
  #joined: ((data: Buffer) => void) | null = null;

  constructor(
    readonly index: number,
    readonly url: string,
    readonly driver: Driver,
  ) {}

  async load(agent: http.Agent): Promise<void> {
    const res = await get(`${this.url}/`, agent);
    if (res.status !== 200) fail(`GET ${this.url}/ answered ${res.status}: ${res.body.slice(0, 200)}`);
    this.cookie = res.headers["set-cookie"]?.[0]?.split(";")[0] ?? "";
    this.session = /data-phx-session="([^"]+)"/.exec(res.body)?.[1] ?? "";
    this.csrf = /name="csrf-token" content="([^"]+)"/.exec(res.body)?.[1] ?? "";
    const id = /<div id="(phx-[^"]+)" data-phx-main/.exec(res.body)?.[1];
    if (!this.cookie || !this.session || !this.csrf || !id) fail(`GET ${this.url}/ lacks a session cookie, token, CSRF token or view id: ${res.body.slice(0, 300)}`);
    this.topic = `lv:${id}`;
  }

  connect(): Promise<void> {
    const ws = new WebSocket(`${this.url.replace("http", "ws")}/live/websocket?vsn=2.0.0`, { headers: { cookie: this.cookie, origin: this.url }, perMessageDeflate: false });
    this.ws = ws;
    ws.on("message", (data: Buffer) => this.#message(process.hrtime.bigint(), data));
    ws.on("close", (code, reason) => this.driver.problem(`page ${this.index}'s websocket on ${this.url} closed (${code} ${reason.toString()})`));
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`websocket upgrade refused with HTTP ${res.statusCode}`)));
    });
  }

  async join(): Promise<void> {
    const reply = new Promise<Buffer>((resolve) => (this.#joined = resolve));
    const payload = { url: `${this.url}/`, session: this.session, params: { _csrf_token: this.csrf } };
    this.ws!.send(JSON.stringify([this.joinRef, this.joinRef, this.topic, "phx_join", payload]));
    const data = await reply;
    const [ref, , topic, event, body] = JSON.parse(data.toString());
    if (ref !== this.joinRef || topic !== this.topic || event !== "phx_reply" || body?.status !== "ok") fail(`page ${this.index}'s join was refused: ${data.toString().slice(0, 300)}`);
    merge(this.tree, body.response.rendered);
    this.joinReplyBytes = data.length;
  }

  heartbeat(): void {
    this.ws!.send(JSON.stringify([null, String(++this.#heartbeat), "phoenix", "heartbeat", {}]));
  }

  #message(at: bigint, data: Buffer): void {
    if (this.#joined) {
      const resolve = this.#joined;
      this.#joined = null;
      return resolve(data);
    }
    if (data.includes(HEARTBEAT_REPLY)) return;
    this.inbox.push({ at, data });
    try {
      this.driver.arrived(this, data);
    } catch (error) {
      this.driver.problem((error as Error).message);
    }
  }

  /** Merges the oldest kept frame; throws if it is not this view's diff. */
  mergeNext(): Frame {
    const frame = this.inbox.shift()!;
    const [, , topic, event, payload] = JSON.parse(frame.data.toString());
    if (topic !== this.topic || event !== "diff") fail(`page ${this.index} received something other than its diff: ${frame.data.toString().slice(0, 200)}`);
    merge(this.tree, payload);
    return frame;
  }

  close(): void {
    this.ws?.removeAllListeners("close");
    this.ws?.close();
  }
}

// ---- The driver ----------------------------------------------------------------------------------

class Driver {
  readonly pages: Page[];
  round: Round | null = null;
  #closing = false;
  #fault: string | null = null;
  #failure: ((error: Error) => void) | null = null;
  #heartbeats: NodeJS.Timeout | null = null;

  constructor(
    readonly urls: readonly string[],
    pages: number,
  ) {
    this.pages = Array.from({ length: pages }, (_, i) => new Page(i, urls[i % urls.length]!, this));
  }

  /** A fault outside any awaited step (a closed socket): fails whatever waits next. */
  problem(message: string): void {
    if (this.#closing) return;
    this.#fault ??= message;
    this.#failure?.(new BenchFailure(message));
  }

  /** Resolves with `promise`, or rejects with the first problem reported before or meanwhile. */
  guarded<T>(promise: Promise<T>): Promise<T> {
    if (this.#fault !== null) return Promise.reject(new BenchFailure(this.#fault));
    return Promise.race([promise, new Promise<never>((_, reject) => (this.#failure = reject))]).finally(() => (this.#failure = null));
  }

  async open(): Promise<PageSetup> {
    const agents = new Map(this.urls.map((url) => [url, new http.Agent({ keepAlive: true, maxSockets: PAGE_CONCURRENCY })]));
    let started = performance.now();
    try {
      await within(inBatches(this.pages, PAGE_CONCURRENCY, (p) => p.load(agents.get(p.url)!)), PHASE_TIMEOUT_MS, () => `could not load ${this.pages.length} pages`);
    } finally {
      for (const agent of agents.values()) agent.destroy();
    }
    const loadMs = performance.now() - started;
    started = performance.now();
    await within(inBatches(this.pages, SOCKET_CONCURRENCY, (p) => p.connect()), PHASE_TIMEOUT_MS, () => `could not open ${this.pages.length} websockets`);
    const connectMs = performance.now() - started;
    started = performance.now();
    let joined = 0;
    await within(inBatches(this.pages, SOCKET_CONCURRENCY, (p) => p.join().then(() => void joined++)), PHASE_TIMEOUT_MS, () => `only ${joined} of ${this.pages.length} joins were answered`);
    const joinMs = performance.now() - started;
    let tick = 0;
    this.#heartbeats = setInterval(() => {
      tick++;
      for (let i = tick % HEARTBEAT_TICKS; i < this.pages.length; i += HEARTBEAT_TICKS) this.pages[i]!.heartbeat();
    }, 1000);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const early = this.pages.find((p) => p.inbox.length > 0);
    if (early) fail(`page ${early.index} received a diff before any sale: ${early.inbox[0]!.data.toString().slice(0, 200)}`);
    return { loadMs, connectMs, joinMs, joinReplyBytes: this.pages[0]!.joinReplyBytes };
  }

  /** One round: resolves once every page shows every change, bounded by ROUND_TIMEOUT_MS. */
  async expect(number: number, changes: readonly LevelChange[]): Promise<RoundReport> {
    const round = new Round(number, changes, this.pages.length);
    this.round = round;
    for (const page of this.pages) {
      page.pending = changes.map((_, c) => c);
      page.candidate = changes.map(() => false);
      if (page.inbox.some((frame) => round.screen(page, frame.data))) round.candidates++;
    }
    this.#screened(round);
    await within(this.guarded(round.finished), ROUND_TIMEOUT_MS, () => this.#missing(round));
    this.round = null;
    return round.report();
  }

  arrived(page: Page, data: Buffer): void {
    const round = this.round;
    if (!round || page.pending.length === 0 || round.ready(page) || !round.screen(page, data)) return;
    // This frame completes the page's candidates: verify it now, or once every page is ready.
    if (!round.verifying) {
      round.candidates++;
      this.#screened(round);
    } else if (round.verify(page)) {
      this.#done(round);
    }
  }

  /** Once every page has a candidate frame for every change, reads each page's HTML. */
  #screened(round: Round): void {
    if (round.verifying || round.candidates < this.pages.length) return;
    round.verifying = true;
    for (const page of this.pages) if (round.verify(page)) this.#done(round);
  }

  #done(round: Round): void {
    if (++round.done === this.pages.length) round.finish();
  }

  #missing(round: Round): string {
    const lines = round.changes.map((change, c) => {
      const behind = this.pages.filter((p) => p.pending.includes(c));
      const byNode = this.urls.map((url) => `${url}: ${behind.filter((p) => p.url === url).length}`).join(", ");
      return `size ${change.itemId} at "${change.level}": ${behind.length} of ${this.pages.length} pages do not show it (${byNode})`;
    });
    return `round ${round.number} did not reach every page: ${lines.join("; ")}`;
  }

  /** Every page's merged HTML must equal a fresh render of `/` on its node. */
  async check(): Promise<CheckReport> {
    const fresh = new Map<string, string>();
    for (const url of this.urls) fresh.set(url, containerContent((await get(`${url}/`, false)).body));
    let equal = 0;
    let extraFrames = 0;
    for (const page of this.pages) {
      while (page.inbox.length > 0) {
        page.mergeNext();
        extraFrames++;
      }
      const merged = toHTML(page.tree);
      const expected = fresh.get(page.url)!;
      if (merged !== expected) fail(`page ${page.index}'s HTML differs from a fresh render on ${page.url}:\n  merged: ${merged.slice(0, 400)}\n  fresh:  ${expected.slice(0, 400)}`);
      equal++;
    }
    return { equal, extraFrames };
  }

  close(): void {
    this.#closing = true;
    if (this.#heartbeats) clearInterval(this.#heartbeats);
    for (const page of this.pages) page.close();
  }
}

// ---- The process ---------------------------------------------------------------------------------

function parseArgs(argv: readonly string[]): { urls: string[]; pages: number } {
  const args = Object.fromEntries(argv.map((a) => /^--([^=]+)=(.*)$/.exec(a)).filter((m) => m !== null).map((m) => [m[1], m[2]]));
  const urls = (args.urls ?? "").split(",").filter(Boolean);
  const pages = Number(args.pages ?? 1000);
  if (urls.length === 0) throw new Error("usage: cluster-driver.ts --urls=http://127.0.0.1:P1,http://127.0.0.1:P2 [--pages=1000]");
  if (!Number.isInteger(pages) || pages < 1) throw new Error(`--pages must be a positive integer; received ${args.pages}`);
  return { urls, pages };
}

function tell(message: DriverMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

async function exit(code: number): Promise<never> {
  driver?.close();
  process.exit(code);
}

function failed(error: unknown): Promise<void> {
  const message = error instanceof BenchFailure ? error.message : String((error as Error)?.stack ?? error);
  return tell({ type: "error", message }).then(() => exit(1));
}

if (!process.send) throw new Error("cluster-driver.ts runs as a child of bench/cluster.ts (forked with an IPC channel)");
// If the bench goes away, so do we.
process.on("disconnect", () => void exit(1));

let driver: Driver | null = null;
try {
  const { urls, pages } = parseArgs(process.argv.slice(2));
  driver = new Driver(urls, pages);
  const setup = await driver.guarded(driver.open());
  // Commands run one at a time, in order.
  let queue = Promise.resolve();
  process.on("message", (command: DriverCommand) => {
    queue = queue.then(async () => {
      if (command.type === "expect") await tell({ type: "seen", report: await driver!.expect(command.round, command.changes) });
      else if (command.type === "check") await tell({ type: "checked", report: await driver!.guarded(driver!.check()) });
      else await exit(0);
    }).catch(failed);
  });
  await tell({ type: "ready", setup });
} catch (error) {
  await failed(error);
}
