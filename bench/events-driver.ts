// The events benchmark's load driver: S sessions (page load, websocket, join) clicking as fast as
// replies come — the counter's "inc", then the cart's add and remove — lean (raw frames, a prefix
// check per reply), with session 0 keeping its view's tree and checking it.

import WebSocket from "ws";
import { createTree, merge, toHTML, type ClientTree } from "../src/switchboard/index.ts";
import type { CatalogProduct } from "./store-server.ts";
import { BenchFailure, containerContent, control, ECHO_PATH, fail, joinFrame, loadPage, openPlainSocket, openSocket, parseArgs, request, sleep, tellParent, until, within, type LoadedPage } from "./store-client.ts";

export interface EventsOptions {
  readonly url: string;
  readonly sessions: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

export interface PhaseResult {
  sessions: number;
  seconds: number;
  /** Replies received in the measured window, all sessions. */
  events: number;
  eventsPerSec: number;
  rttMs: Spread;
  /** Per event name: replies and round trips. */
  byEvent: Record<string, { events: number; rttMs: Spread }>;
  /** Frames other than replies (pushed diffs) in the window. */
  pushes: number;
  serverCpu: { seconds: number; shareOfOneCore: number };
  driverCpu: { seconds: number; shareOfOneCore: number };
  /** What session 0's checks found (it keeps its tree). */
  checked: string;
}

export interface EventsResult {
  /** The same clicks on a bare websocket echo of the same server. */
  floor: PhaseResult;
  counter: PhaseResult;
  cart: PhaseResult;
}

export type EventsDriverMessage = { type: "result"; result: EventsResult } | { type: "error"; message: string };

const now = () => performance.now();

/** What a session clicks next: the frame's event name, its payload, and the check for session 0. */
interface Click {
  readonly event: string;
  readonly payload: string;
  /** Session 0, after this click's reply is merged: throws if the page is not what it should be. */
  readonly check?: (html: string) => void;
}

class Phase {
  running = true;
  measureFrom = Infinity;
  measureUntil = Infinity;
  events = 0;
  pushes = 0;
  readonly rtts = new Map<string, number[]>();
  readonly problems: string[] = [];
  outstanding = 0;

  record(event: string, sentAt: number, at: number): void {
    if (sentAt < this.measureFrom || at >= this.measureUntil) return;
    this.events++;
    let list = this.rtts.get(event);
    if (!list) this.rtts.set(event, (list = []));
    list.push(at - sentAt);
  }
}

class Session {
  ws: WebSocket | null = null;
  readonly topic: string;
  rendered: any = null;
  #ref = 1;
  #prefix = "";
  #sentAt = 0;
  #click: Click | null = null;
  #joined: ((data: Buffer) => void) | null = null;
  /** Session 0's view, merged from the join, every reply and every push. */
  tree: ClientTree | null = null;

  constructor(
    readonly index: number,
    readonly page: LoadedPage,
    readonly phase: Phase,
    readonly clicks: (session: Session, n: number) => Click,
  ) {
    this.topic = `lv:${page.id}`;
    if (index === 0) this.tree = createTree();
  }

  async open(base: string): Promise<void> {
    this.ws = await openSocket(base, this.page.cookie);
    this.ws.on("message", (data: Buffer) => {
      try {
        this.#message(data);
      } catch (error) {
        this.phase.running = false;
        this.phase.problems.push(`session ${this.index}: ${(error as Error).message}`);
      }
    });
    this.ws.on("close", (code, reason) => {
      if (this.phase.running) this.phase.problems.push(`session ${this.index}'s websocket closed (${code} ${reason.toString()})`);
    });
    const reply = await within(new Promise<Buffer>((resolve) => {
      this.#joined = resolve;
      this.ws!.send(joinFrame(base, this.page, "1"));
    }), 30_000, () => `session ${this.index}'s join was not answered`);
    const [, , , , payload] = JSON.parse(reply.toString());
    if (payload?.status !== "ok") fail(`session ${this.index}'s join was refused: ${reply.toString().slice(0, 300)}`);
    this.rendered = payload.response.rendered;
    if (this.tree) merge(this.tree, JSON.parse(JSON.stringify(this.rendered)));
  }

  /** Sends the next click, unless the phase is over. */
  next(): void {
    if (!this.phase.running) return;
    const ref = String(++this.#ref);
    this.#click = this.clicks(this, this.#ref);
    this.#prefix = `["1","${ref}",`;
    this.#sentAt = now();
    this.phase.outstanding++;
    this.ws!.send(`["1","${ref}","${this.topic}","event",${this.#click.payload}]`);
  }

  #message(data: Buffer): void {
    const at = now();
    if (this.#joined) {
      const resolve = this.#joined;
      this.#joined = null;
      return resolve(data);
    }
    if (this.#click && data.toString("latin1", 0, this.#prefix.length) === this.#prefix) {
      const click = this.#click;
      this.#click = null;
      this.phase.outstanding--;
      if (!data.includes(OK)) {
        this.phase.running = false;
        this.phase.problems.push(`session ${this.index}'s "${click.event}" was refused: ${data.toString().slice(0, 300)}`);
        return;
      }
      this.phase.record(click.event, this.#sentAt, at);
      if (this.tree) this.#check(data, click);
      return this.next();
    }
    if (at >= this.phase.measureFrom && at < this.phase.measureUntil) this.phase.pushes++;
    if (this.tree) {
      const [, , topic, event, payload] = JSON.parse(data.toString());
      if (topic === this.topic && event === "diff") merge(this.tree, payload);
    }
  }

  #check(data: Buffer, click: Click): void {
    const diff = JSON.parse(data.toString())[4]?.response?.diff;
    if (diff) merge(this.tree!, diff);
    try {
      click.check?.(toHTML(this.tree!));
    } catch (error) {
      this.phase.running = false;
      this.phase.problems.push(`session 0 after "${click.event}": ${(error as Error).message}`);
    }
  }

  close(): void {
    this.ws?.removeAllListeners("close");
    this.ws?.close();
  }
}
const OK = Buffer.from('"status":"ok"');

function spread(values: number[]): Spread {
  if (values.length === 0) return { p50: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

async function serverCpu(url: string): Promise<number> {
  const { user, system } = await control<{ user: number; system: number }>(`${url}/bench/cpu`);
  return user + system;
}

interface Clicker {
  next(): void;
}

/** Starts every clicker, waits out warm-up and window, then the last replies; the CPU both sides used. */
async function clickThrough(options: EventsOptions, phase: Phase, clickers: readonly Clicker[]) {
  const { url, warmupMs, measureMs } = options;
  const started = now();
  phase.measureFrom = started + warmupMs;
  phase.measureUntil = phase.measureFrom + measureMs;
  for (const c of clickers) c.next();
  await sleep(warmupMs);
  const cpu0 = await serverCpu(url);
  const driver0 = process.cpuUsage();
  const cpuFrom = now();
  await sleep(Math.max(0, phase.measureUntil - now()));
  const cpu1 = await serverCpu(url);
  const driverUsed = process.cpuUsage(driver0);
  const cpuSeconds = (now() - cpuFrom) / 1000;
  phase.running = false;
  await until(() => phase.outstanding === 0 || phase.problems.length > 0, 10_000, () => `${phase.outstanding} click(s) were never answered`);
  if (phase.problems.length > 0) fail(`${phase.problems.length} problem(s): ${phase.problems.slice(0, 3).join("; ")}`);
  const driverSeconds = (driverUsed.user + driverUsed.system) / 1e6;
  return {
    serverCpu: { seconds: (cpu1 - cpu0) / 1e6, shareOfOneCore: (cpu1 - cpu0) / 1e6 / cpuSeconds },
    driverCpu: { seconds: driverSeconds, shareOfOneCore: driverSeconds / cpuSeconds },
  };
}

function summary(options: EventsOptions, phase: Phase, cpu: Pick<PhaseResult, "serverCpu" | "driverCpu">, checked: string): PhaseResult {
  const all = [...phase.rtts.values()].flat();
  return {
    sessions: options.sessions,
    seconds: options.measureMs / 1000,
    events: phase.events,
    eventsPerSec: phase.events / (options.measureMs / 1000),
    rttMs: spread(all),
    byEvent: Object.fromEntries([...phase.rtts].map(([event, list]) => [event, { events: list.length, rttMs: spread(list) }])),
    pushes: phase.pushes,
    ...cpu,
    checked,
  };
}

/** Opens the sessions, clicks for warm-up + window, waits for the last replies, and sums up. */
async function runPhase(options: EventsOptions, path: string, clicks: (session: Session, n: number) => Click, finalCheck: (session: Session) => Promise<string>): Promise<PhaseResult> {
  const { url, sessions: count } = options;
  const phase = new Phase();
  const pages = await Promise.all(Array.from({ length: count }, () => loadPage(url, path)));
  const sessions = pages.map((page, i) => new Session(i, page, phase, clicks));
  await Promise.all(sessions.map((s) => s.open(url)));
  const cpu = await clickThrough(options, phase, sessions);
  await sleep(300); // pushes that follow the last replies (a cart's reload) reach session 0's tree
  const checked = await finalCheck(sessions[0]!);
  for (const s of sessions) s.close();
  return summary(options, phase, cpu, checked);
}

/**
 * The floor: the same sessions' clicks, frame for frame the counter's, on a bare websocket of the
 * same server that answers each with a pre-encoded reply of the same size (no channel, no view).
 * What the sockets, ws and fastify cost on this machine, for the counter's figures to be read against.
 */
async function floorPhase(options: EventsOptions): Promise<PhaseResult> {
  const phase = new Phase();
  const frame = '["1","2","lv:F4kePage","event",{"type":"click","event":"inc","value":{}}]';
  const sockets = await Promise.all(Array.from({ length: options.sessions }, () => openPlainSocket(options.url + ECHO_PATH)));
  const clickers = sockets.map((ws): Clicker => {
    let sentAt = 0;
    const next = () => {
      if (!phase.running) return;
      sentAt = now();
      phase.outstanding++;
      ws.send(frame);
    };
    ws.on("message", () => {
      phase.outstanding--;
      phase.record("echo", sentAt, now());
      next();
    });
    return { next };
  });
  const cpu = await clickThrough(options, phase, clickers);
  for (const ws of sockets) ws.close();
  return summary(options, phase, cpu, "every click answered");
}

/** The counter: "inc" as fast as replies come; session 0 checks the count after every reply. */
function counterPhase(options: EventsOptions): Promise<PhaseResult> {
  const acked = new Map<Session, number>();
  const inc = '{"type":"click","event":"inc","value":{}}';
  return runPhase(
    options,
    "/counter",
    (session) => ({
      event: "inc",
      payload: inc,
      check: (html) => {
        const count = (acked.get(session) ?? 0) + 1;
        acked.set(session, count);
        if (!html.includes(`<span class="counter__value">${count}</span>`)) throw new Error(`the page should show count ${count}: ${html.slice(0, 200)}`);
      },
    }),
    async (session) => `session 0's page showed the right count after each of its ${acked.get(session) ?? 0} clicks`,
  );
}

/**
 * The cart: each session adds one size on the product page, then removes it with the cart
 * component's button, and again (a cart refuses a second of one size, so they alternate). Session
 * 0 checks each add's reply shows the size in its cart, and ends equal to a fresh render.
 */
async function cartPhase(options: EventsOptions): Promise<PhaseResult> {
  const catalog = (await control<{ products: CatalogProduct[] }>(`${options.url}/bench/catalog`)).products;
  const sizes = catalog.filter((p) => p.released).flatMap((p) => p.items).filter((item) => item.count > 0).map((item) => item.id);
  if (sizes.length === 0) fail("no released size in stock for the cart to take");
  const cids = new Map<Session, number>();
  const cidOf = (session: Session) => {
    let cid = cids.get(session);
    if (cid === undefined) {
      // Stateful components have positive ids (the engine may share other nodes under negative ones).
      const ids = Object.keys(session.rendered?.c ?? {}).filter((id) => Number(id) > 0);
      if (ids.length !== 1) fail(`the product page's join should render exactly one stateful component (the cart); found ${ids.length}`);
      cids.set(session, (cid = Number(ids[0])));
    }
    return cid;
  };
  let adds = 0;
  return runPhase(
    options,
    "/",
    (session, n) => {
      const item = String(sizes[session.index % sizes.length]);
      if (n % 2 === 0) {
        return {
          event: "add",
          payload: `{"type":"click","event":"add","value":{"item":"${item}"}}`,
          check: (html) => {
            adds++;
            if (!html.includes(`data-item-id="${item}"`) || html.includes("cart__notice")) throw new Error(`the cart should hold size ${item} with no notice: ${html.slice(html.indexOf('id="cart"'), html.indexOf('id="cart"') + 300)}`);
          },
        };
      }
      return { event: "remove", payload: `{"type":"click","event":"remove","value":{"item":"${item}"},"cid":${cidOf(session)}}` };
    },
    async (session) => {
      const fresh = containerContent((await request(`${options.url}/`, { headers: { cookie: session.page.cookie } })).body);
      const html = toHTML(session.tree!);
      if (html !== fresh) fail(`session 0's product page differs from a fresh render with its cookie:\n  page:  ${html.slice(-400)}\n  fresh: ${fresh.slice(-400)}`);
      return `session 0's cart held its size after each of its ${adds} adds, and its page ended equal to a fresh render`;
    },
  );
}

function options(argv: readonly string[]): EventsOptions {
  const args = parseArgs(argv);
  const number = (name: string, fallback: number) => {
    const n = Number(args[name] ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer; received ${args[name]}`);
    return n;
  };
  if (!args.url) throw new Error("usage: events-driver.ts --url=http://127.0.0.1:PORT [--sessions=50] [--warmup-ms=1000] [--measure-ms=5000]");
  return { url: args.url, sessions: number("sessions", 50), warmupMs: number("warmup-ms", 1000), measureMs: number("measure-ms", 5000) };
}

const orphaned = () => process.exit(1);
process.on("disconnect", orphaned);

let message: EventsDriverMessage;
try {
  const opts = options(process.argv.slice(2));
  const floor = await floorPhase(opts);
  const counter = await counterPhase(opts);
  const cart = await cartPhase(opts);
  message = { type: "result", result: { floor, counter, cart } };
} catch (error) {
  message = { type: "error", message: error instanceof BenchFailure ? error.message : String((error as Error)?.stack ?? error) };
}
await tellParent(message);
process.off("disconnect", orphaned);
process.exit(message.type === "result" ? 0 : 1);
