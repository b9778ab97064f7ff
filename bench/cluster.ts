// The cluster benchmark (issue 8): per PubSub adapter, three store nodes in their own processes,
// 1,000 live product pages spread round-robin over them in a load-driver process, and a burst of
// sales; the time from a sale's commit to the last page showing the level it changed, p50/p99.
//
// Attribution is exact: the burst (sales-burst.ts) sells at full speed, tick by tick as the
// simulator does, and knows from each sale's remaining count which sale moved a size to a new
// level. A tick that moved any sends those changes to the driver (cluster-driver.ts) and waits
// until every page's merged HTML shows every one of them before the next tick sells; the driver
// times each page by the arrival of the first frame after which it shows the change
// (level-round.ts). So no diff of one round can be taken for another's, and each round is
// bounded. Times are process.hrtime.bigint() (CLOCK_MONOTONIC, one clock for every process on
// the machine). The database, nodes and link are store-cluster.ts's.

import { fork, execFileSync, type ChildProcess } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_SEED, mulberry32, SIZES } from "../src/store/seed.ts";
import type { CheckReport, DriverCommand, DriverMessage, PageSetup, RoundReport } from "./cluster-driver.ts";
import type { ScenarioResult } from "./run.ts";
import { salesBurst, type BurstTotals, type TimedChange } from "./sales-burst.ts";
import { StoreCluster, unreachable, type Adapter } from "./store-cluster.ts";

/** Settings, from the environment (each named in its comment). */
const settings = {
  /** CLUSTER_ADAPTERS=postgres,redis */
  adapters: adapters(process.env.CLUSTER_ADAPTERS ?? "postgres,redis"),
  /** CLUSTER_NODES=3 */
  nodes: positive("CLUSTER_NODES", process.env.CLUSTER_NODES ?? "3"),
  /** CLUSTER_PAGES=1000 */
  pages: positive("CLUSTER_PAGES", process.env.CLUSTER_PAGES ?? "1000"),
  /** CLUSTER_CHANGES=78: level changes to measure; each size sold out gives 3, so this sets the catalog's size. */
  changes: positive("CLUSTER_CHANGES", process.env.CLUSTER_CHANGES ?? "78"),
  /** CLUSTER_PER_TICK=200: sales per tick (the simulator's default). */
  perTick: positive("CLUSTER_PER_TICK", process.env.CLUSTER_PER_TICK ?? "200"),
  /** CLUSTER_TIMEOUT_S=240: each adapter's whole run, or its children are killed and the run fails. */
  timeoutMs: positive("CLUSTER_TIMEOUT_S", process.env.CLUSTER_TIMEOUT_S ?? "240") * 1000,
  postgresUrl: process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres",
  redisUrl: process.env.REDIS_URL || "redis://127.0.0.1:6379",
};

/** The first rounds run on freshly started nodes: also reported without them. */
const FIRST_ROUNDS = 5;
/** Changes per product when every size sells out from "high": high → medium → low → out. */
const CHANGES_PER_PRODUCT = SIZES.length * 3;
const here = dirname(fileURLToPath(import.meta.url));

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer; received ${JSON.stringify(value)}`);
  return n;
}

function adapters(value: string): Adapter[] {
  const list = value.split(",").map((v) => v.trim());
  const wrong = list.filter((v) => v !== "postgres" && v !== "redis");
  if (list.length === 0 || wrong.length > 0) throw new Error(`CLUSTER_ADAPTERS must list postgres and/or redis; received ${JSON.stringify(value)}`);
  return list as Adapter[];
}

// ---- The driver process -------------------------------------------------------------------------

class DriverProcess {
  readonly child: ChildProcess;

  constructor(urls: readonly string[], pages: number) {
    this.child = fork(join(here, "cluster-driver.ts"), [`--urls=${urls.join(",")}`, `--pages=${pages}`], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  }

  /** The driver's next message of type `type`; rejects on an error message or an early exit. */
  next<K extends DriverMessage["type"]>(type: K): Promise<Extract<DriverMessage, { type: K }>> {
    const child = this.child;
    return new Promise((resolve, reject) => {
      const onMessage = (message: DriverMessage) => {
        if (message.type === type) finish(() => resolve(message as Extract<DriverMessage, { type: K }>));
        else if (message.type === "error") finish(() => reject(new Error(`cluster-driver failed: ${message.message}`)));
      };
      const onExit = (code: number | null, signal: string | null) => finish(() => reject(new Error(`cluster-driver exited (${signal ?? `code ${code}`}) before sending "${type}"`)));
      const finish = (then: () => void) => {
        child.off("message", onMessage);
        child.off("exit", onExit);
        then();
      };
      child.on("message", onMessage);
      child.on("exit", onExit);
    });
  }

  ask<K extends DriverMessage["type"]>(command: DriverCommand, type: K): Promise<Extract<DriverMessage, { type: K }>> {
    const reply = this.next(type);
    this.child.send(command);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.send({ type: "stop" } satisfies DriverCommand);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

const drivers = new Set<DriverProcess>();
process.on("exit", () => {
  for (const driver of drivers) driver.kill();
});

// ---- One adapter ----------------------------------------------------------------------------------

interface Measured extends TimedChange {
  readonly round: number;
  readonly seen: RoundReport["seen"][number];
}

interface Run {
  adapter: Adapter;
  loadAverage: number;
  setup: PageSetup;
  burst: BurstTotals;
  measured: Measured[];
  rounds: RoundReport[];
  check: CheckReport;
  warnings: string[];
}

/** What a run started, so that a failure or the deadline can stop it wherever it is. */
class Scope {
  cluster: StoreCluster | null = null;
  driver: DriverProcess | null = null;
  cancelled = false;

  check(): void {
    if (this.cancelled) throw new Error("cancelled");
  }
}

async function run(adapter: Adapter, scope: Scope): Promise<Run> {
  const loadAverage = loadavg()[0]!;
  const products = Math.ceil(settings.changes / CHANGES_PER_PRODUCT);
  const cluster = await StoreCluster.start({ adapter, nodes: settings.nodes, products, postgresUrl: settings.postgresUrl, redisUrl: settings.redisUrl });
  scope.cluster = cluster;
  scope.check();
  const driver = new DriverProcess(cluster.nodes.map((node) => node.url), settings.pages);
  scope.driver = driver;
  drivers.add(driver);
  const { setup } = await driver.next("ready");
  scope.check();

  const measured: Measured[] = [];
  const rounds: RoundReport[] = [];
  const burst = await salesBurst({
    store: cluster.store!,
    stock: cluster.stock,
    perTick: settings.perTick,
    changes: settings.changes,
    random: mulberry32(DEFAULT_SEED),
    measure: async (changes) => {
      scope.check();
      const command: DriverCommand = { type: "expect", round: rounds.length + 1, changes: changes.map(({ itemId, level }) => ({ itemId, level })) };
      const { report } = await driver.ask(command, "seen");
      rounds.push(report);
      changes.forEach((change, i) => measured.push({ ...change, round: report.round, seen: report.seen[i]! }));
    },
  });
  const { report: check } = await driver.ask({ type: "check" }, "checked");
  const errors = cluster.nodes.flatMap((node) => node.errors.map((line) => `${node.name}: ${line}`));
  if (errors.length > 0) throw new Error(`the nodes logged ${errors.length} error(s), e.g.\n${errors.slice(0, 3).join("\n")}`);
  const warnings = cluster.nodes.flatMap((node) => node.warnings.map((line) => `${node.name}: ${line}`));
  return { adapter, loadAverage, setup, burst, measured, rounds, check, warnings };
}

/** One adapter's run, bounded by settings.timeoutMs; everything it started is stopped either way. */
async function measure(adapter: Adapter): Promise<Run> {
  const scope = new Scope();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the cluster benchmark on ${adapter} took longer than ${settings.timeoutMs / 1000} s; stopped`)), settings.timeoutMs);
  });
  const work = run(adapter, scope);
  try {
    const result = await Promise.race([work, deadline]);
    await scope.driver?.stop();
    await scope.cluster?.stop();
    return result;
  } catch (error) {
    scope.cancelled = true;
    scope.driver?.kill();
    const cluster = scope.cluster;
    await cluster?.stop("SIGKILL").catch(() => {});
    // Every wait of the run ends once its children and database are gone; a cluster that was
    // still starting is stopped when it has.
    await work.catch(() => {});
    if (scope.cluster !== cluster) await scope.cluster?.stop("SIGKILL").catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
    if (scope.driver) drivers.delete(scope.driver);
  }
}

// ---- Figures --------------------------------------------------------------------------------------

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function summary(values: readonly number[]) {
  return { p50: round(percentile(values, 0.5)), p99: round(percentile(values, 0.99)), max: round(Math.max(...values)) };
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const since = (from: bigint, to: string) => Number(BigInt(to) - from) / 1e6;

function figuresOf(r: Run) {
  const pagesPerNode = Array.from({ length: settings.nodes }, (_, i) => Math.floor((settings.pages + settings.nodes - 1 - i) / settings.nodes));
  return {
    adapter: r.adapter,
    nodes: settings.nodes,
    pages: settings.pages,
    pagesPerNode,
    loadAverageAtStart: round(r.loadAverage),
    setup: { loadPagesMs: Math.round(r.setup.loadMs), connectMs: Math.round(r.setup.connectMs), joinMs: Math.round(r.setup.joinMs), joinReplyBytes: r.setup.joinReplyBytes },
    burst: { sales: r.burst.sales, ticks: r.burst.ticks, perTick: settings.perTick, changes: r.burst.changes, rounds: r.burst.rounds, ms: Math.round(r.burst.ms), tickMs: summary(r.burst.tickMs) },
    commitToFirstPageMs: summary(r.measured.map((m) => since(m.committed, m.seen.first))),
    commitToMedianPageMs: summary(r.measured.map((m) => since(m.committed, m.seen.median))),
    commitToLastPageMs: summary(r.measured.map((m) => since(m.committed, m.seen.last))),
    announcedToLastPageMs: summary(r.measured.map((m) => since(m.announced, m.seen.last))),
    afterFirstRoundsLastPageMs: summary(r.measured.filter((m) => m.round > FIRST_ROUNDS).map((m) => since(m.committed, m.seen.last))),
    framesPerPagePerRound: round(r.rounds.reduce((sum, x) => sum + x.frames, 0) / r.rounds.length / settings.pages),
    driverVerifyMsPerRound: summary(r.rounds.map((x) => x.verifyMs)),
    pagesRecounted: r.rounds.reduce((sum, x) => sum + x.recounted, 0),
    pagesEqualToFreshRender: r.check.equal,
    framesAfterLastRound: r.check.extraFrames,
    nodeWarnings: r.warnings.length,
    perChange: r.measured.map((m) => ({ round: m.round, itemId: m.itemId, from: m.from, to: m.level, lastPageMs: round(since(m.committed, m.seen.last)) })),
  };
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (Math.abs(n) < 10 ? n.toFixed(2) : Math.abs(n) < 100 ? n.toFixed(1) : n.toFixed(0));
const pair = (s: { p50: number; p99: number }) => `${ms(s.p50)} / ${ms(s.p99)}`;

export async function runCluster(): Promise<ScenarioResult> {
  const problem = await unreachable(settings.postgresUrl, settings.adapters.includes("redis") ? settings.redisUrl : null);
  if (problem) throw new Error(`the cluster benchmark cannot run: ${problem}`);
  const limit = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
  if (limit !== "unlimited" && Number(limit) < settings.pages + 256) {
    throw new Error(`the open-files limit (ulimit -n) is ${limit}; ${settings.pages} pages need at least ${settings.pages + 256}. Raise it (ulimit -n 65536) and run again.`);
  }
  const runs: Run[] = [];
  for (const adapter of settings.adapters) runs.push(await measure(adapter));
  const figures = runs.map(figuresOf);

  type Figures = (typeof figures)[number];
  const cells = (f: (r: Figures) => string) => figures.map(f);
  const rows: [string, ...string[]][] = [
    ["nodes · live product pages", ...cells((r) => `${r.nodes} · ${int(r.pages)} (${r.pagesPerNode.join("/")})`)],
    ["level changes measured (rounds)", ...cells((r) => `${r.burst.changes} (${r.burst.rounds})`)],
    [`sales in the burst (ticks of ${settings.perTick})`, ...cells((r) => `${int(r.burst.sales)} (${r.burst.ticks})`)],
    ["commit → first page, ms p50", ...cells((r) => ms(r.commitToFirstPageMs.p50))],
    ["commit → median page, ms p50", ...cells((r) => ms(r.commitToMedianPageMs.p50))],
    ["commit → last page, ms p50 / p99", ...cells((r) => pair(r.commitToLastPageMs))],
    ["commit → last page, ms max", ...cells((r) => ms(r.commitToLastPageMs.max))],
    [`    after the first ${FIRST_ROUNDS} rounds, ms p50 / p99`, ...cells((r) => pair(r.afterFirstRoundsLastPageMs))],
    ["    tick announced → last page, ms p50 / p99", ...cells((r) => pair(r.announcedToLastPageMs))],
    ["    one tick's sales (first to last commit), ms p50", ...cells((r) => ms(r.burst.tickMs.p50))],
    ["diff frames per page per round", ...cells((r) => r.framesPerPagePerRound.toFixed(2))],
    ["driver: merging + reading HTML per round, ms p50", ...cells((r) => ms(r.driverVerifyMsPerRound.p50))],
    ["pages equal to a fresh render at the end", ...cells((r) => `${int(r.pagesEqualToFreshRender)} / ${int(r.pages)}`)],
    ["page loads / websockets / joins, s", ...cells((r) => [r.setup.loadPagesMs, r.setup.connectMs, r.setup.joinMs].map((x) => (x / 1000).toFixed(1)).join(" / "))],
    ["machine load average (1 min) at start", ...cells((r) => r.loadAverageAtStart.toFixed(2))],
  ];
  const notes = [
    `commit: when the sale that moved a size to a new level had committed (its UPDATE returned; the sales autocommit), on process.hrtime (CLOCK_MONOTONIC, shared by the bench, the ${settings.nodes} nodes and the driver). A page's time is its 'message' event for the first frame after which its merged HTML shows the new level.`,
    `the burst sells as the simulator does (src/store/simulator.ts): ${settings.perTick} random in-stock sizes at once by the checkout's conditional decrement, one committed() per tick, no pause between ticks; every size starts "high" (500–799 units) and is sold out, 3 level changes each. A tick that changed levels is one round: the next tick waits until all ${int(settings.pages)} pages show them, so rounds never overlap; ticks without a change do not wait.`,
    "commit → page includes the rest of the tick after that sale (the simulator announces once per tick), the cluster link, each node's re-read of the changed rows, the render and diff for each of its views, and the driver reading its sockets; 'tick announced' starts the clock at the announcement instead.",
    `the driver (${int(settings.pages)} websockets on one core) keeps frames as they arrive and reads HTML only once every page has a frame naming the new level; p99 is nearest-rank, so with under 100 changes it is the slowest change.`,
    "the nodes run `src/main.ts` as deployed (NODE_ENV=production, a shared SECRET_KEY_BASE), on a fresh database dropped afterwards; the bench's own store, on the same link, makes the sales. Nodes, driver, bench, PostgreSQL and Redis share this machine's cores.",
    ...runs.filter((r) => r.warnings.length > 0).map((r) => `${r.adapter}: the nodes logged ${r.warnings.length} warning(s), e.g. ${r.warnings[0]!.slice(0, 300)}`),
  ];
  const result = {
    settings: { adapters: settings.adapters, nodes: settings.nodes, pages: settings.pages, changes: settings.changes, perTick: settings.perTick },
    runs: Object.fromEntries(figures.map((f) => [f.adapter, f])),
  };
  return { title: `cluster: a burst of sales reaching ${int(settings.pages)} live pages on ${settings.nodes} nodes, per PubSub adapter`, columns: settings.adapters, rows, notes, figures: result };
}
