// The runtime benchmark: for each view count, a server (runtime-server.ts) and a load driver
// (load-driver.ts) in two child processes, over real websockets on 127.0.0.1: heap and RSS per idle
// joined view, and the time one PubSub broadcast takes to reach every view's socket as a diff.

import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkFileLimit, first, killChildren, startChild, stopChild } from "./children.ts";
import type { DriverMessage, DriverResult, RoundFigures } from "./load-driver.ts";
import type { ServerMessage } from "./runtime-server.ts";
import type { ScenarioResult } from "./run.ts";

/** Settings, from the environment: RUNTIME_VIEWS=1000,3000 RUNTIME_ROUNDS=20 RUNTIME_TIMEOUT_S=60. */
const settings = {
  views: list(process.env.RUNTIME_VIEWS ?? "1000"),
  rounds: positive("RUNTIME_ROUNDS", process.env.RUNTIME_ROUNDS ?? "20"),
  /** Each view count must finish within this, or both children are killed and the run fails. */
  timeoutMs: positive("RUNTIME_TIMEOUT_S", process.env.RUNTIME_TIMEOUT_S ?? "60") * 1000,
  /** RUNTIME_PROFILE=1: the server writes a CPU profile to bench/results/runtime-profile/. */
  profile: process.env.RUNTIME_PROFILE === "1",
};

/** Targets from issue 9 (one Node process, 2 cores, driver on the same machine). */
const TARGETS = { lastPageP50Ms: { 1000: 20, 3000: 40, 10000: 120 } as Record<number, number>, frameBytes: 80, heapPerPage: 8 * 1024 };

const here = dirname(fileURLToPath(import.meta.url));

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer; received ${JSON.stringify(value)}`);
  return n;
}

function list(value: string): number[] {
  return value.split(",").map((v) => positive("RUNTIME_VIEWS (a comma-separated list)", v.trim()));
}

/** One view count: a fresh server, a fresh driver, bounded by settings.timeoutMs. */
async function measure(views: number): Promise<DriverResult & { loadAverage: number }> {
  // Other work on the machine shares the two processes' cores: kept beside the figures.
  const loadAverage = loadavg()[0]!;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the runtime benchmark at ${views} views took longer than ${settings.timeoutMs / 1000} s; stopped`)), settings.timeoutMs);
  });
  const profile = settings.profile ? ["--cpu-prof", `--cpu-prof-dir=${join(here, "results", "runtime-profile")}`, "--cpu-prof-interval=100"] : [];
  const server = startChild("runtime-server.ts", { execArgv: ["--expose-gc", ...profile] });
  try {
    const { url } = await Promise.race([first<ServerMessage, "ready">(server, "runtime-server", "ready"), deadline]);
    const driver = startChild("load-driver.ts", { args: [`--url=${url}`, `--views=${views}`, `--rounds=${settings.rounds}`] });
    const { result } = await Promise.race([first<DriverMessage, "result">(driver, "load-driver", "result"), deadline]);
    await stopChild(server);
    return { ...result, loadAverage: round(loadAverage) };
  } catch (error) {
    killChildren();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

// ---- Figures -------------------------------------------------------------------------------

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function summary(rounds: readonly RoundFigures[], pick: (r: RoundFigures) => number) {
  const values = rounds.map(pick);
  return { p50: round(percentile(values, 0.5)), p99: round(percentile(values, 0.99)), max: round(Math.max(...values)) };
}

function figuresOf(run: DriverResult & { loadAverage: number }) {
  const { before, connected, joined } = run.memory;
  const per = (a: number, b: number) => (b - a) / run.views;
  return {
    views: run.views,
    loadAverageAtStart: run.loadAverage,
    memory: {
      heapPerView: Math.round(per(before.heapUsed, joined.heapUsed)),
      heapPerSocket: Math.round(per(before.heapUsed, connected.heapUsed)),
      heapPerJoin: Math.round(per(connected.heapUsed, joined.heapUsed)),
      rssPerView: Math.round(per(before.rss, joined.rss)),
      externalPerView: Math.round(per(before.external, joined.external)),
      before,
      connected,
      joined,
    },
    setup: { loadPagesMs: Math.round(run.loadPagesMs), connectMs: Math.round(run.connectMs), joinMs: Math.round(run.joinMs), joinReplyBytes: run.joinReplyBytes },
    broadcast: {
      rounds: run.rounds.length,
      firstPageMs: summary(run.rounds, (r) => r.firstMs),
      lastPageMs: summary(run.rounds, (r) => r.lastMs),
      serverDeliveredMs: summary(run.rounds, (r) => r.deliverMs),
      serverWrittenMs: summary(run.rounds, (r) => r.writtenMs),
      fromTriggerMs: summary(run.rounds, (r) => r.fromTriggerMs),
      frameBytes: {
        p50: percentile(run.rounds.map((r) => r.frameBytes.median), 0.5),
        min: Math.min(...run.rounds.map((r) => r.frameBytes.min)),
        max: Math.max(...run.rounds.map((r) => r.frameBytes.max)),
      },
      perRoundLastPageMs: run.rounds.map((r) => round(r.lastMs)),
      sampleFrames: [...new Set(run.rounds.slice(0, 2).map((r) => r.sampleFrame))],
    },
    floor: {
      rounds: run.floor.length,
      firstPageMs: summary(run.floor, (r) => r.firstMs),
      lastPageMs: summary(run.floor, (r) => r.lastMs),
      serverWrittenMs: summary(run.floor, (r) => r.deliverMs),
    },
    sampledPagesChecked: run.sampled,
  };
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

export async function runRuntime(): Promise<ScenarioResult> {
  checkFileLimit(Math.max(...settings.views), `${Math.max(...settings.views)} views`);
  const runs: ReturnType<typeof figuresOf>[] = [];
  for (const views of settings.views) runs.push(figuresOf(await measure(views)));

  type Run = (typeof runs)[number];
  const cells = (f: (r: Run) => string) => runs.map(f);
  const pair = (s: { p50: number; p99: number }) => `${ms(s.p50)} / ${ms(s.p99)}`;
  const rows: [string, ...string[]][] = [
    ["views joined (each got every diff)", ...cells((r) => int(r.views))],
    ["heap per idle view (socket + view)", ...cells((r) => `${int(r.memory.heapPerView)} B`)],
    ["    of which the websocket connection", ...cells((r) => `${int(r.memory.heapPerSocket)} B`)],
    ["    of which the joined view", ...cells((r) => `${int(r.memory.heapPerJoin)} B`)],
    ["RSS per idle view", ...cells((r) => `${int(r.memory.rssPerView)} B`)],
    ["server heap / RSS, all views joined", ...cells((r) => `${mb(r.memory.joined.heapUsed)} / ${mb(r.memory.joined.rss)}`)],
    ["join all views (sent at once), ms", ...cells((r) => int(r.setup.joinMs))],
    ["join reply (first render), bytes", ...cells((r) => int(r.setup.joinReplyBytes))],
    ["broadcast → first page, ms p50 / p99", ...cells((r) => pair(r.broadcast.firstPageMs))],
    ["broadcast → last page, ms p50 / p99", ...cells((r) => pair(r.broadcast.lastPageMs))],
    ["    server: broadcast() returned, ms p50", ...cells((r) => ms(r.broadcast.serverDeliveredMs.p50))],
    ["    server: every frame written, ms p50 / p99", ...cells((r) => pair(r.broadcast.serverWrittenMs))],
    ["trigger request → last page, ms p50", ...cells((r) => ms(r.broadcast.fromTriggerMs.p50))],
    ["floor: same frames pre-encoded → last page, ms p50 / p99", ...cells((r) => pair(r.floor.lastPageMs))],
    ["    floor: every frame written, ms p50", ...cells((r) => ms(r.floor.serverWrittenMs.p50))],
    ["broadcast last page ÷ floor last page (p50)", ...cells((r) => `${(r.broadcast.lastPageMs.p50 / r.floor.lastPageMs.p50).toFixed(2)}x`)],
    ["diff frame, bytes (+2 B websocket header)", ...cells(({ broadcast: { frameBytes: b } }) => (b.min === b.max ? int(b.min) : `${int(b.min)}–${int(b.max)}`))],
    ["machine load average (1 min) at start", ...cells((r) => r.loadAverageAtStart.toFixed(2))],
  ];

  const notes = [
    `${settings.rounds} measured broadcasts per view count after 2 unmeasured ones, ${50} ms apart; p99 is nearest-rank, so with 20 rounds it is the slowest round.`,
    "floor: the same diff frames, encoded before the clock starts, written by one loop through each connection's send() (the same ws sockets): no PubSub, mailbox, render, diff or JSON on the clock.",
    "latency runs from the server's broadcast() call to the driver's 'message' event, on the one CLOCK_MONOTONIC both processes share (process.hrtime); it includes the driver reading every socket on its one core.",
    "memory: the server's heapUsed and RSS after gc, before the websockets, once they are open, and once every view is joined (after a 50-view warm-up, closed before the baseline); divided by the view count.",
    "each view is a real page load (GET /, own session cookie) and one websocket with one join, as a browser tab; 5 sampled pages end with exactly the HTML of a fresh render.",
    ...runs.map((r) => {
      const target = TARGETS.lastPageP50Ms[r.views];
      const checks = [
        target === undefined ? null : `last page p50 ${ms(r.broadcast.lastPageMs.p50)} ms vs ≤ ${target} ms: ${r.broadcast.lastPageMs.p50 <= target ? "met" : "missed"}`,
        `frame ${r.broadcast.frameBytes.p50 + 2} B on the wire vs ≤ ${TARGETS.frameBytes} B: ${r.broadcast.frameBytes.p50 + 2 <= TARGETS.frameBytes ? "met" : "missed"}`,
        `heap ${int(r.memory.heapPerView)} B per page vs ≤ ${int(TARGETS.heapPerPage)} B (target set at 10,000 pages): ${r.memory.heapPerView <= TARGETS.heapPerPage ? "met" : "missed"}`,
      ].filter((c) => c !== null);
      return `issue 9 targets at ${int(r.views)} views: ${checks.join("; ")}.`;
    }),
  ];
  notes.push(`diff frames of two consecutive rounds (one size level out, then back): ${runs[0]!.broadcast.sampleFrames.join("  ")}`);
  if (settings.profile) notes.push(`CPU profiles of the server: ${join(here, "results", "runtime-profile")}`);

  const figures = { settings: { views: settings.views, rounds: settings.rounds }, targets: TARGETS, runs: Object.fromEntries(runs.map((r) => [String(r.views), r])) };
  return { title: "runtime: idle views and one PubSub broadcast over real websockets (server and driver in two processes)", columns: runs.map((r) => `${int(r.views)} views`), rows, notes, figures };
}
