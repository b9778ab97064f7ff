// The launch benchmark's load driver: N product-page tabs (own cookie, websocket, join), an admin
// dashboard that releases a product, then the sales burst. Frames are only stamped and kept as they
// arrive; afterwards launch-attribution.ts finds when each page showed each change.

import http from "node:http";
import type WebSocket from "ws";
import { Attribution, histogramSummary, StateGraph, type PageFrame, type ServerLevelEvent } from "./launch-attribution.ts";
import type { BurstReport, CatalogProduct, CommitRecord, FloorRound, InventoryRecord, StoreMemory } from "./store-server.ts";
import {
  BenchFailure,
  containerContent,
  control,
  fail,
  Heartbeats,
  inBatches,
  isHeartbeatReply,
  joinFrame,
  loadPage,
  openSocket,
  parseArgs,
  request,
  sleep,
  tellParent,
  until,
  within,
  type LoadedPage,
} from "./store-client.ts";

export interface LaunchOptions {
  readonly url: string;
  readonly pages: number;
  /** Sales the simulator attempts per tick. */
  readonly perTick: number;
  /** Longest the burst may run. */
  readonly burstTimeoutMs: number;
}

const WARMUP_PAGES = 50;
const PAGE_CONCURRENCY = 16;
const CONNECT_CONCURRENCY = 64;
/** Pages whose final HTML is also compared with a fresh render made with their own cookie. */
const SAMPLES = 20;
/** After the simulator is done, the burst is over once no page has received a frame for this long. */
const QUIET_MS = 1000;
const ADMIN_AUTH = `Basic ${Buffer.from("admin:admin").toString("base64")}`;

/** The driver's clock: ms on CLOCK_MONOTONIC (process.hrtime, shared by every process), from a base. */
const BASE = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - BASE) / 1e6;
const fromServer = (t: string) => Number(BigInt(t) - BASE) / 1e6;

export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

/** The bare-socket floor on the launch's own sockets (medians over the rounds). */
export interface FloorReport {
  rounds: number;
  /** The server's write loop over every socket, ms. */
  loopMs: number;
  /** From the loop's start to the first / last page receiving the frame, ms. */
  firstPageMs: number;
  lastPageMs: number;
  /** Server CPU for the loop (user + system), ms. */
  cpuMs: number;
}

export interface LaunchResult {
  pages: number;
  floor: FloorReport;
  setup: { loadPagesMs: number; connectMs: number; joinMs: number; pageBytes: number; joinReplyBytes: number };
  memory: { before: StoreMemory; joined: StoreMemory; heapPerPage: number; rssPerPage: number };
  release: {
    product: number;
    /** From the release's commit announcement to the first / last page showing its sizes, ms. */
    commitToFirstMs: number;
    commitToLastMs: number;
    /** From the admin's click leaving the driver to the admin's reply, and to the last page, ms. */
    clickToReplyMs: number;
    clickToLastMs: number;
    pagesMissing: number;
    frameBytes: ReturnType<typeof histogramSummary>;
  };
  burst: {
    perTick: number;
    /** Where the simulator ran: its own process, or the server's. */
    sales: "process" | "server";
    ticks: number;
    unitsSold: number;
    soldOut: boolean;
    serverSeconds: number;
    levelChanges: number;
    /** From the moment the sales of the tick that caused a change had committed to the first / last page showing it. */
    firstPageMs: Spread;
    lastPageMs: Spread;
    /** The sales' commit → the server's announcement of it (the hop from the sales process; 0 in process). */
    announceMs: Spread;
    /** Server side: commit announcement → the inventory's level event (the re-read). */
    rereadMs: Spread;
    /** Server side: level event → handed to the last page (each page handles it synchronously and writes its frame). */
    serverFanOutMs: Spread;
    /** (page, change) pairs never shown, and pages with at least one. */
    missed: number;
    pagesMissing: number;
    /** (page, change) pairs shown only together with a later change of the same size. */
    coalesced: number;
    frameBytes: { single: ReturnType<typeof histogramSummary>; multi: ReturnType<typeof histogramSummary>; other: ReturnType<typeof histogramSummary> };
    framesPerPage: number;
    serverCpu: { seconds: number; shareOfOneCore: number };
    salesCpu: { seconds: number; shareOfOneCore: number } | null;
    driverCpu: { seconds: number; shareOfOneCore: number };
    eventLoop: NonNullable<BurstReport["eventLoop"]>;
    /** Frames the admin dashboard received during the burst; from each tick's commit to its next frame. */
    admin: { frames: number; ticks: number; commitToFrameMs: Spread };
  };
  check: { pagesCompared: number; pagesMatching: number; distinctFinalStates: number; sampledWithOwnCookie: number; statesReplayed: number; failures: string[] };
  problems: string[];
  /** One single-change frame as received, for the reader. */
  sampleFrame: string | null;
}

export type LaunchDriverMessage = { type: "result"; result: LaunchResult } | { type: "error"; message: string };

// ---- Tabs: one page, one websocket, one joined view ------------------------------------------

class Tab {
  ws: WebSocket | null = null;
  joinReply: Buffer | null = null;
  /** Every frame after the join, as received (text: a Buffer might pin the socket's read chunk), and when (driver's clock, ms). */
  frames: string[] = [];
  times: number[] = [];
  #joined: (() => void) | null = null;
  readonly topic: string;

  constructor(
    readonly index: number,
    readonly page: LoadedPage,
    readonly driver: Driver,
  ) {
    this.topic = `lv:${page.id}`;
  }

  async connect(base: string): Promise<void> {
    const ws = await openSocket(base, this.page.cookie);
    this.ws = ws;
    ws.on("message", (data: Buffer) => this.#message(data));
    ws.on("close", (code, reason) => this.driver.closed(this, code, reason.toString()));
  }

  join(base: string): Promise<void> {
    const joined = new Promise<void>((resolve) => (this.#joined = resolve));
    this.ws!.send(joinFrame(base, this.page, "1"));
    return joined;
  }

  #message(data: Buffer): void {
    const at = now();
    if (isHeartbeatReply(data)) return;
    if (isFloorFrame(data)) return this.driver.floorFrame(at);
    if (this.#joined) {
      this.joinReply = data;
      const resolve = this.#joined;
      this.#joined = null;
      return resolve();
    }
    this.frames.push(data.toString("utf8"));
    this.times.push(at);
    this.driver.lastFrameAt = at;
  }

  /** The join reply's rendered tree, JSON text; fails unless the join was accepted. */
  rendered(): string {
    const [ref, , topic, event, payload] = JSON.parse(this.joinReply!.toString()) as [unknown, unknown, unknown, unknown, any];
    if (ref !== "1" || topic !== this.topic || event !== "phx_reply" || payload?.status !== "ok" || typeof payload.response?.rendered !== "object") {
      fail(`page ${this.index}'s join was not accepted: ${this.joinReply!.toString().slice(0, 300)}`);
    }
    return JSON.stringify(payload.response.rendered);
  }

  /** Frames as the attribution reads them; each envelope checked: [join_ref, null, topic, "diff", payload]. */
  *received(): Generator<PageFrame> {
    let prefix: string | null = null;
    for (let i = 0; i < this.frames.length; i++) {
      const text = this.frames[i]!;
      if (prefix === null || !text.startsWith(prefix) || !text.endsWith("]")) {
        const frame = JSON.parse(text) as unknown[];
        if (!Array.isArray(frame) || frame.length !== 5 || frame[1] !== null || frame[2] !== this.topic || frame[3] !== "diff" || typeof frame[4] !== "object") {
          fail(`page ${this.index} received something other than a diff of its view: ${text.slice(0, 300)}`);
        }
        prefix = text.slice(0, text.indexOf('"diff",') + 7);
      }
      yield { at: this.times[i]!, payload: text.slice(prefix.length, -1), bytes: Buffer.byteLength(text) };
    }
  }

  close(): void {
    this.ws?.removeAllListeners("close");
    this.ws?.close();
  }
}

/** The admin dashboard, joined as the admin: its clicks and the frames it receives. */
class AdminTab {
  ws: WebSocket | null = null;
  topic = "";
  readonly times: number[] = [];
  #ref = 1;
  #waiting = new Map<string, (data: Buffer) => void>();
  driver: Driver | null = null;

  async open(base: string, driver: Driver): Promise<void> {
    this.driver = driver;
    const page = await loadPage(base, "/admin", { headers: { authorization: ADMIN_AUTH } });
    this.topic = `lv:${page.id}`;
    this.ws = await openSocket(base, page.cookie);
    this.ws.on("message", (data: Buffer) => this.#message(data));
    this.ws.on("close", (code, reason) => driver.problems.push(`the admin's websocket closed (${code} ${reason.toString()})`));
    const reply = await this.#push(joinFrame(base, page, "1"), "1");
    if (!reply.toString().includes('"status":"ok"')) fail(`the admin's join was refused: ${reply.toString().slice(0, 300)}`);
  }

  /** A click on the dashboard; resolves with the reply. */
  click(event: string, value: Record<string, string>): Promise<Buffer> {
    const ref = String(++this.#ref);
    return this.#push(JSON.stringify(["1", ref, this.topic, "event", { type: "click", event, value }]), ref);
  }

  #push(frame: string, ref: string): Promise<Buffer> {
    const reply = new Promise<Buffer>((resolve) => this.#waiting.set(ref, resolve));
    this.ws!.send(frame);
    return within(reply, 30_000, () => `the admin's ${frame.slice(0, 80)} was not answered`);
  }

  #message(data: Buffer): void {
    const at = now();
    if (isHeartbeatReply(data)) return;
    if (isFloorFrame(data)) return this.driver!.floorFrame(at);
    const ref = /^\["?[^,]*"?,"([^"]+)"/.exec(data.toString("utf8", 0, 40))?.[1];
    const waiting = ref === undefined ? undefined : this.#waiting.get(ref);
    if (waiting) {
      this.#waiting.delete(ref!);
      waiting(data);
    } else this.times.push(at);
  }

  close(): void {
    this.ws?.removeAllListeners("close");
    this.ws?.close();
  }
}

const FLOOR_MARK = Buffer.from('["",null,"bench:floor"');
const isFloorFrame = (data: Buffer) => data.length > FLOOR_MARK.length && data.subarray(0, FLOOR_MARK.length).equals(FLOOR_MARK);

/** Rounds of the bare-socket floor (see store-server's /bench/floor). */
const FLOOR_ROUNDS = 5;

// ---- The driver ------------------------------------------------------------------------------

class Driver {
  readonly problems: string[] = [];
  lastFrameAt = 0;
  #closing = false;
  readonly heartbeats = new Heartbeats();
  /** The current floor round's arrivals: how many, the first and the last (driver's clock). */
  #floor = { count: 0, first: 0, last: 0 };

  constructor(readonly options: LaunchOptions) {}

  floorFrame(at: number): void {
    if (this.#floor.count++ === 0) this.#floor.first = at;
    this.#floor.last = at;
  }

  /**
   * The bare-socket floor on these very sockets, after the burst: the server writes one
   * pre-encoded 80-byte frame to every socket; from the loop's start to the first and last page
   * receiving it. A few rounds, each once the last has arrived, and a pause between them.
   */
  async floor(expected: number): Promise<FloorReport> {
    const rounds: { loopMs: number; firstMs: number; lastMs: number; cpuMs: number }[] = [];
    for (let round = 0; round < FLOOR_ROUNDS; round++) {
      this.#floor = { count: 0, first: 0, last: 0 };
      const sent = await control<FloorRound>(`${this.options.url}/bench/floor`, "POST", {});
      if (sent.sockets !== expected) fail(`the floor round wrote to ${sent.sockets} sockets, expected ${expected}`);
      await until(() => this.#floor.count >= expected, this.phaseMs, () => `only ${this.#floor.count} of ${expected} pages received the floor frame`, 5);
      const start = fromServer(sent.t);
      rounds.push({ loopMs: sent.loopMs, firstMs: this.#floor.first - start, lastMs: this.#floor.last - start, cpuMs: (sent.cpu.user + sent.cpu.system) / 1000 });
      await sleep(300);
    }
    const median = (values: number[]) => percentile(values, 0.5);
    return {
      rounds: rounds.length,
      loopMs: median(rounds.map((r) => r.loopMs)),
      firstPageMs: median(rounds.map((r) => r.firstMs)),
      lastPageMs: median(rounds.map((r) => r.lastMs)),
      cpuMs: median(rounds.map((r) => r.cpuMs)),
    };
  }

  get phaseMs(): number {
    return 30_000 + 5 * this.options.pages;
  }

  closed(tab: Tab, code: number, reason: string): void {
    if (!this.#closing) this.problems.push(`page ${tab.index}'s websocket closed (${code} ${reason})`);
  }

  #check(): void {
    if (this.problems.length > 0) fail(`${this.problems.length} problem(s): ${this.problems.slice(0, 5).join("; ")}`);
  }

  async memory(): Promise<StoreMemory> {
    const report = await control<StoreMemory>(`${this.options.url}/bench/memory`);
    if (report.errors > 0) fail(`the server logged ${report.errors} error(s); see its stderr`);
    return report;
  }

  async loadPages(count: number): Promise<LoadedPage[]> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: PAGE_CONCURRENCY });
    try {
      const pages = inBatches(Array.from({ length: count }), PAGE_CONCURRENCY, () => loadPage(this.options.url, "/", { agent }));
      return await within(pages, this.phaseMs, () => `could not load ${count} product pages`);
    } finally {
      agent.destroy();
    }
  }

  async open(pages: readonly LoadedPage[]): Promise<Tab[]> {
    const tabs = pages.map((page, i) => new Tab(i, page, this));
    await within(inBatches(tabs, CONNECT_CONCURRENCY, (t) => t.connect(this.options.url)), this.phaseMs, () => `could not open ${tabs.length} websockets`);
    for (const tab of tabs) this.heartbeats.add(tab.ws!);
    return tabs;
  }

  async join(tabs: readonly Tab[]): Promise<void> {
    let joined = 0;
    await within(Promise.all(tabs.map((t) => t.join(this.options.url).then(() => joined++))), this.phaseMs, () => `only ${joined} of ${tabs.length} joins were answered`);
    for (const tab of tabs) tab.rendered();
  }

  async drained(): Promise<void> {
    await until(
      async () => {
        const m = await this.memory();
        return m.connections === 0 && m.inventoryFollowers === 0;
      },
      this.phaseMs,
      () => "after closing the warm-up tabs the server still has connections or inventory followers",
      50,
    );
  }

  async run(): Promise<LaunchResult> {
    const { url, pages: count } = this.options;
    const catalog = (await control<{ products: CatalogProduct[] }>(`${url}/bench/catalog`)).products;
    const coming = catalog.find((p) => !p.released && p.releaseAt === null);
    if (!coming || !catalog.some((p) => p.released)) fail("the store should have a released product and an unscheduled coming-soon one");

    // Warm-up: compiles the code paths and fills one-time caches before the baseline.
    const warm = await this.open(await this.loadPages(Math.min(WARMUP_PAGES, count)));
    await this.join(warm);
    this.#closing = true;
    for (const tab of warm) tab.close();
    await this.drained();
    this.#closing = false;

    const before = await this.memory();
    let started = now();
    const pages = await this.loadPages(count);
    const loadPagesMs = now() - started;
    started = now();
    const tabs = await this.open(pages);
    const connectMs = now() - started;
    started = now();
    await this.join(tabs);
    const joinMs = now() - started;
    const joined = await this.memory();
    if (joined.connections !== count || joined.inventoryFollowers !== count) {
      fail(`the server counts ${joined.connections} connections and ${joined.inventoryFollowers} inventory followers; expected ${count} of each`);
    }
    this.#check();

    // The admin dashboard, open through the burst; it releases the coming-soon product.
    const admin = new AdminTab();
    await admin.open(url, this);
    this.heartbeats.add(admin.ws!);
    await sleep(300);
    const framesBefore = tabs.map((t) => t.frames.length);
    const clickAt = now();
    const adminReply = await admin.click("release", { product: String(coming.id) });
    const clickToReplyMs = now() - clickAt;
    if (!adminReply.toString().includes('"status":"ok"')) fail(`the admin's release was refused: ${adminReply.toString().slice(0, 300)}`);
    await until(() => tabs.every((t, i) => t.frames.length > framesBefore[i]!), this.phaseMs, () => `only ${tabs.filter((t, i) => t.frames.length > framesBefore[i]!).length} of ${count} pages heard the release`, 5);
    await sleep(500);
    this.#check();

    // The burst: the simulator's sales at full speed, until every released size is sold out.
    const burstFrom = now();
    const driverCpu = process.cpuUsage();
    await control(`${url}/bench/burst`, "POST", { perTick: this.options.perTick });
    let burst: BurstReport;
    const burstDeadline = Date.now() + this.options.burstTimeoutMs;
    for (;;) {
      burst = await control<BurstReport>(`${url}/bench/burst`);
      if (burst.state === "failed") fail(`the simulator failed: ${burst.error}`);
      if (burst.state === "done") break;
      if (Date.now() > burstDeadline) fail(`the simulator was still selling after ${this.options.burstTimeoutMs / 1000} s`);
      await sleep(100);
    }
    await until(() => now() - this.lastFrameAt >= QUIET_MS, this.phaseMs, () => "frames kept arriving after the simulator was done", 50);
    const driverUsed = process.cpuUsage(driverCpu);
    this.#check();
    const log = await control<{ commits: CommitRecord[]; inventory: InventoryRecord[] }>(`${url}/bench/log`);
    const finalCatalog = (await control<{ products: CatalogProduct[] }>(`${url}/bench/catalog`)).products;
    const afterBurst = await this.memory();
    // Every page (and the admin) has its socket: the floor writes to each.
    const floor = await this.floor(count + 1);

    const result = await this.analyse({ tabs, log, burst, burstFrom, clickAt, clickToReplyMs, finalCatalog, releasedProduct: coming.id, admin });
    this.#closing = true;
    this.heartbeats.stop();
    for (const tab of tabs) tab.close();
    admin.close();
    const serverSeconds = (Number(BigInt(burst.ended!) - BigInt(burst.started!)) / 1e9);
    const cpuSeconds = (burst.cpu!.user + burst.cpu!.system) / 1e6;
    const driverSeconds = (driverUsed.user + driverUsed.system) / 1e6;
    const driverWall = (now() - burstFrom) / 1000;
    if (afterBurst.warnings > joined.warnings) result.problems.push(`the server logged ${afterBurst.warnings - joined.warnings} warning(s) during the release and burst; see its stderr`);
    return {
      ...result,
      floor,
      pages: count,
      setup: { loadPagesMs, connectMs, joinMs, pageBytes: pages[0]!.bytes, joinReplyBytes: tabs[0]!.joinReply!.length },
      memory: { before, joined, heapPerPage: (joined.heapUsed - before.heapUsed) / count, rssPerPage: (joined.rss - before.rss) / count },
      burst: {
        ...result.burst,
        serverSeconds,
        serverCpu: { seconds: cpuSeconds, shareOfOneCore: cpuSeconds / serverSeconds },
        salesCpu: burst.salesCpu && { seconds: (burst.salesCpu.user + burst.salesCpu.system) / 1e6, shareOfOneCore: (burst.salesCpu.user + burst.salesCpu.system) / 1e6 / serverSeconds },
        driverCpu: { seconds: driverSeconds, shareOfOneCore: driverSeconds / driverWall },
        eventLoop: burst.eventLoop!,
      },
    };
  }

  /** Everything after the frames are in: attribution, latencies, the final HTML of every page. */
  async analyse(input: {
    tabs: readonly Tab[];
    log: { commits: CommitRecord[]; inventory: InventoryRecord[] };
    burst: BurstReport;
    burstFrom: number;
    clickAt: number;
    clickToReplyMs: number;
    finalCatalog: CatalogProduct[];
    releasedProduct: number;
    admin: AdminTab;
  }) {
    const { tabs, log, burst, burstFrom, clickAt, finalCatalog, releasedProduct, admin } = input;
    const problems: string[] = [];
    const commits = log.commits.map((c) => ({ ...c, at: fromServer(c.t), committedAt: fromServer(c.committedAt) }));
    const releaseCommit = commits.find((c) => c.at >= clickAt && c.products.includes(releasedProduct));
    if (!releaseCommit) fail(`the server announced no commit of product ${releasedProduct} after the admin's click`);

    // Level events of the burst, each with the commit announcement that caused it: the latest one
    // before it naming its size (the simulator announces a tick only after all its sales commit,
    // and starts the next tick only once this node has re-read the last one's rows).
    const levelRecords = log.inventory.filter((r) => r.event.type === "level" && fromServer(r.t) >= burstFrom);
    const events: (ServerLevelEvent & { commitAt: number; announcedAt: number; handedOut: number })[] = levelRecords.map((r) => {
      const event = r.event as Extract<InventoryRecord["event"], { type: "level" }>;
      const at = fromServer(r.t);
      let cause: (typeof commits)[number] | undefined;
      for (const c of commits) if (c.at <= at && c.items.includes(event.itemId)) cause = c;
      if (!cause || cause.at < burstFrom) fail(`no commit announcement of the burst precedes the level event of size ${event.itemId}`);
      return { item: event.itemId, level: event.level, previous: event.previous, at, commitAt: cause.committedAt, announcedAt: cause.at, handedOut: r.handedOut === null ? Number.NaN : fromServer(r.handedOut) };
    });
    const unhanded = levelRecords.filter((r) => r.handedOut === null).length;
    if (unhanded > 0) this.problems.push(`${unhanded} level event(s) of the burst never reached the server's last follower`);
    const strayLevels = log.inventory.filter((r) => r.event.type === "level" && fromServer(r.t) < burstFrom).length;
    if (strayLevels > 0) problems.push(`${strayLevels} level event(s) before the burst (pages joined before them may have shown them at join)`);

    const final = new Map<number, string>();
    for (const product of finalCatalog) if (product.released) for (const item of product.items) final.set(item.id, item.level);
    const graph = new StateGraph();
    const attribution = new Attribution(graph, events, final);
    const outcomes = tabs.map((tab) => {
      const outcome = attribution.page(tab.index, graph.root(tab.rendered()), tab.received());
      if (tab.index !== 0) tab.frames = []; // the rest of the run needs only page 0's frames
      return outcome;
    });
    problems.push(...attribution.problems);

    // Every page ends with the HTML a fresh render gives (all carts are empty, so one render
    // serves for all); sampled pages are also compared with a render made with their own cookie.
    const fresh = containerContent((await request(`${this.options.url}/`)).body);
    const failures: string[] = [];
    const finals = new Map<number, number>();
    for (const o of outcomes) finals.set(o.finalNode, (finals.get(o.finalNode) ?? 0) + 1);
    let pagesMatching = 0;
    for (const [node, pages] of finals) {
      const html = graph.html(node);
      if (html === fresh) pagesMatching += pages;
      else failures.push(`${pages} page(s) end with HTML that differs from a fresh render:\n  page:  ${excerpt(html, fresh)}\n  fresh: ${excerpt(fresh, html)}`);
    }
    const step = Math.max(1, Math.floor(tabs.length / SAMPLES));
    let sampled = 0;
    for (let i = 0; i < tabs.length && sampled < SAMPLES; i += step, sampled++) {
      const own = containerContent((await request(`${this.options.url}/`, { headers: { cookie: tabs[i]!.page.cookie } })).body);
      const html = graph.html(outcomes[i]!.finalNode);
      if (html !== own) failures.push(`page ${i} differs from a fresh render with its own cookie:\n  page:  ${excerpt(html, own)}\n  fresh: ${excerpt(own, html)}`);
    }

    // The release: its commit to each page showing the new sizes.
    const appeared = outcomes.map((o) => o.appeared).filter((t): t is number => t !== null);
    const lastAppeared = Math.max(...appeared);

    // Latencies per level change, from its tick's commit announcement.
    const spread = (values: number[]): Spread => ({ p50: percentile(values, 0.5), p99: percentile(values, 0.99), max: Math.max(...values) });
    const shown = events.map((_, e) => e).filter((e) => attribution.delivered[e]! > 0);
    let missed = 0;
    for (let e = 0; e < events.length; e++) missed += tabs.length - attribution.delivered[e]!;
    let coalesced = 0;
    for (let e = 0; e < events.length; e++) coalesced += attribution.coalesced[e]!;

    // The admin dashboard during the burst: each tick's sales should show on it soon after.
    const adminTimes = admin.times.filter((t) => t >= burstFrom);
    const ticks = commits.filter((c) => c.at >= burstFrom && c.items.length > 0);
    const adminLags = ticks.map((c) => (adminTimes.find((t) => t >= c.at) ?? Infinity) - c.committedAt);
    const sample = tabs[0]!.received();
    let sampleFrame: string | null = null;
    {
      // The first frame of page 0 that changed exactly one level: shown as received.
      const g = new StateGraph();
      let node = g.root(tabs[0]!.rendered());
      let i = 0;
      for (const frame of sample) {
        const next = g.next(node, frame.payload);
        if (g.changes(next).length === 1 && g.levels(node).has(g.changes(next)[0]![0])) {
          sampleFrame = tabs[0]!.frames[i]!;
          break;
        }
        node = next;
        i++;
      }
    }

    return {
      release: {
        product: releasedProduct,
        commitToFirstMs: Math.min(...appeared) - releaseCommit.committedAt,
        commitToLastMs: lastAppeared - releaseCommit.committedAt,
        clickToReplyMs: input.clickToReplyMs,
        clickToLastMs: lastAppeared - clickAt,
        pagesMissing: tabs.length - appeared.length,
        frameBytes: histogramSummary(attribution.appearBytes),
      },
      burst: {
        perTick: burst.perTick,
        sales: burst.sales,
        ticks: burst.totals!.ticks,
        unitsSold: burst.totals!.sales,
        soldOut: burst.totals!.soldOut,
        levelChanges: events.length,
        firstPageMs: spread(shown.map((e) => attribution.first[e]! - events[e]!.commitAt)),
        lastPageMs: spread(shown.map((e) => attribution.last[e]! - events[e]!.commitAt)),
        announceMs: spread(events.map((e) => e.announcedAt - e.commitAt)),
        rereadMs: spread(events.map((e) => e.at - e.announcedAt)),
        serverFanOutMs: spread(events.map((e) => e.handedOut - e.at)),
        missed,
        pagesMissing: outcomes.filter((o) => o.missed > 0).length,
        coalesced,
        frameBytes: { single: histogramSummary(attribution.singleChangeBytes), multi: histogramSummary(attribution.multiChangeBytes), other: histogramSummary(attribution.otherBytes) },
        framesPerPage: attribution.frames / tabs.length,
        admin: { frames: adminTimes.length, ticks: ticks.length, commitToFrameMs: spread(adminLags) },
      },
      check: { pagesCompared: tabs.length, pagesMatching, distinctFinalStates: finals.size, sampledWithOwnCookie: sampled, statesReplayed: graph.size, failures },
      problems,
      sampleFrame,
    };
  }
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

/** Where two strings first differ, with some context. */
function excerpt(text: string, other: string): string {
  let i = 0;
  while (i < text.length && text[i] === other[i]) i++;
  return `…${text.slice(Math.max(0, i - 80), i + 160)}…`;
}

function options(argv: readonly string[]): LaunchOptions {
  const args = parseArgs(argv);
  const number = (name: string, fallback: number) => {
    const n = Number(args[name] ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer; received ${args[name]}`);
    return n;
  };
  if (!args.url) throw new Error("usage: launch-driver.ts --url=http://127.0.0.1:PORT [--pages=1000] [--per-tick=200] [--burst-timeout-s=300]");
  return { url: args.url, pages: number("pages", 1000), perTick: number("per-tick", 200), burstTimeoutMs: number("burst-timeout-s", 300) * 1000 };
}

// If the parent goes away, so do we.
const orphaned = () => process.exit(1);
process.on("disconnect", orphaned);

let message: LaunchDriverMessage;
try {
  message = { type: "result", result: await new Driver(options(process.argv.slice(2))).run() };
} catch (error) {
  message = { type: "error", message: error instanceof BenchFailure ? error.message : String((error as Error)?.stack ?? error) };
}
await tellParent(message);
process.off("disconnect", orphaned);
process.exit(message.type === "result" ? 0 : 1);
