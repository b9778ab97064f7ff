// The launch benchmark (issue 9): per page count, the real store and a load driver in two processes
// over real websockets: N product pages, a release, then the simulator's sales at full speed — how
// fast each stock change reaches every page, what it costs, and whether every page ends right.

import { loadavg } from "node:os";
import { checkFileLimit, FD_HEADROOM, listSetting, openFileLimit, positiveSetting } from "./children.ts";
import type { LaunchResult, Spread } from "./launch-driver.ts";
import type { ScenarioResult } from "./run.ts";
import { runDriver, withStoreServer } from "./store-run.ts";

/** Settings, from the environment. */
const settings = {
  /** LAUNCH_PAGES=1000,3000,10000: page counts; counts the open-files limit cannot hold are skipped (and said so). */
  pages: listSetting("LAUNCH_PAGES", [1000, 3000, 10_000]),
  /** LAUNCH_PER_TICK: sales the simulator attempts per tick (its default, 200). */
  perTick: positiveSetting("LAUNCH_PER_TICK", 200),
  /** LAUNCH_SALES=process|server: the simulator in a process of its own (default; PostgreSQL only) or in the server's. */
  sales: process.env.LAUNCH_SALES === "server" ? "server" : "process",
  /** LAUNCH_TIMEOUT_S: each page count's whole run (server, pages, release, burst, checks). */
  timeoutMs: positiveSetting("LAUNCH_TIMEOUT_S", 600) * 1000,
};

/** Issue 9's targets (2 cores, one Node process, driver on the same machine). */
export const TARGETS = {
  lastPageP50Ms: { 1000: 20, 3000: 40, 10000: 120 } as Record<number, number>,
  /** "The first page gets it within a few ms whatever N is": read here as p50 ≤ 5 ms. */
  firstPageP50Ms: 5,
  /** Whole message on the wire: the Phoenix envelope and the 2-byte websocket header. */
  frameBytes: 80,
  /** Heap per open product page, at 10,000 pages. */
  heapPerPage: 8 * 1024,
  /** Event-loop delay p99 during the burst, with 10,000 pages. */
  eventLoopP99Ms: 50,
  /** "The admin dashboard stays live": read here as every sales tick showing on it within 1 s. */
  adminLagMs: 1000,
};

interface Run extends LaunchResult {
  database: string;
  loadAverageAtStart: number;
}

async function measure(pages: number): Promise<Run> {
  const loadAverageAtStart = Number(loadavg()[0]!.toFixed(2));
  return withStoreServer(`the launch benchmark at ${pages} pages`, settings.timeoutMs, async (server, expired) => {
    const args = [`--url=${server.url}`, `--pages=${pages}`, `--per-tick=${settings.perTick}`, `--burst-timeout-s=${Math.round(settings.timeoutMs / 2000)}`];
    const result = await runDriver<LaunchResult>("launch-driver.ts", args, expired);
    return { ...result, database: server.database, loadAverageAtStart };
  }, { BENCH_SALES: settings.sales });
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (!Number.isFinite(n) ? "–" : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const spread = (s: Spread) => `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`;
const verdict = (met: boolean) => (met ? "met" : "NOT MET");

/** The checks against issue 9's targets for one run: [what, met]. */
function checks(r: Run): { what: string; met: boolean; correctness: boolean }[] {
  const out: { what: string; met: boolean; correctness: boolean }[] = [];
  const lastTarget = TARGETS.lastPageP50Ms[r.pages];
  if (lastTarget !== undefined) out.push({ what: `last page p50 ${ms(r.burst.lastPageMs.p50)} ms ≤ ${lastTarget} ms`, met: r.burst.lastPageMs.p50 <= lastTarget, correctness: false });
  out.push({ what: `last page p50 within 1.5× the bare-socket floor measured on the same sockets (${ms(r.floor.lastPageMs)} ms)`, met: r.burst.lastPageMs.p50 <= 1.5 * r.floor.lastPageMs, correctness: false });
  out.push({ what: `first page p50 ${ms(r.burst.firstPageMs.p50)} ms ≤ ${TARGETS.firstPageP50Ms} ms`, met: r.burst.firstPageMs.p50 <= TARGETS.firstPageP50Ms, correctness: false });
  const single = r.burst.frameBytes.single;
  if (single) out.push({ what: `size-level frame ${single.max + 2} B on the wire (max) ≤ ${TARGETS.frameBytes} B`, met: single.max + 2 <= TARGETS.frameBytes, correctness: false });
  if (r.pages >= 10_000) {
    out.push({ what: `heap ${int(r.memory.heapPerPage)} B per page ≤ ${int(TARGETS.heapPerPage)} B`, met: r.memory.heapPerPage <= TARGETS.heapPerPage, correctness: false });
    out.push({ what: `event-loop delay p99 ${ms(r.burst.eventLoop.p99)} ms ≤ ${TARGETS.eventLoopP99Ms} ms`, met: r.burst.eventLoop.p99 <= TARGETS.eventLoopP99Ms, correctness: false });
  }
  out.push({ what: `admin dashboard live (a tick's sales on it within ${ms(r.burst.admin.commitToFrameMs.max)} ms, max ≤ ${TARGETS.adminLagMs} ms)`, met: r.burst.admin.commitToFrameMs.max <= TARGETS.adminLagMs, correctness: false });
  out.push({ what: `no page misses a change (${int(r.burst.missed)} missed) or the release (${r.release.pagesMissing} missed)`, met: r.burst.missed === 0 && r.release.pagesMissing === 0, correctness: true });
  out.push({ what: `every page ends with a fresh render's HTML (${r.check.failures.length} difference(s))`, met: r.check.failures.length === 0, correctness: true });
  out.push({ what: `no protocol or attribution problem (${r.problems.length})`, met: r.problems.length === 0, correctness: true });
  return out;
}

export async function runLaunch(): Promise<ScenarioResult> {
  const limit = openFileLimit();
  const counts = settings.pages.filter((n) => n + FD_HEADROOM <= limit);
  const skipped = settings.pages.filter((n) => n + FD_HEADROOM > limit);
  if (counts.length === 0) checkFileLimit(Math.min(...settings.pages), `${Math.min(...settings.pages)} pages`);
  const runs: Run[] = [];
  for (const pages of counts) runs.push(await measure(pages));

  const cells = (f: (r: Run) => string) => runs.map(f);
  const mark = (met: boolean) => (met ? "" : " ✗");
  const rows: [string, ...string[]][] = [
    ["pages open (dead render + websocket + join each)", ...cells((r) => int(r.pages))],
    ["heap per open page (target ≤ 8 KB at 10,000)", ...cells((r) => `${int(r.memory.heapPerPage)} B${r.pages >= 10_000 ? mark(r.memory.heapPerPage <= TARGETS.heapPerPage) : ""}`)],
    ["RSS per open page", ...cells((r) => `${int(r.memory.rssPerPage)} B`)],
    ["server heap / RSS, all pages open", ...cells((r) => `${mb(r.memory.joined.heapUsed)} / ${mb(r.memory.joined.rss)}`)],
    ["load / connect / join all pages, s", ...cells((r) => `${(r.setup.loadPagesMs / 1000).toFixed(1)} / ${(r.setup.connectMs / 1000).toFixed(1)} / ${(r.setup.joinMs / 1000).toFixed(1)}`)],
    ["release: commit → first / last page, ms", ...cells((r) => `${ms(r.release.commitToFirstMs)} / ${ms(r.release.commitToLastMs)}`)],
    ["release: admin click → reply / last page, ms", ...cells((r) => `${ms(r.release.clickToReplyMs)} / ${ms(r.release.clickToLastMs)}`)],
    ["release frame, bytes", ...cells((r) => (r.release.frameBytes ? int(r.release.frameBytes.median) : "–"))],
    ["burst: ticks / units sold / level changes", ...cells((r) => `${r.burst.ticks} / ${int(r.burst.unitsSold)} / ${r.burst.levelChanges}`)],
    ["burst: length (simulator start → end), s", ...cells((r) => r.burst.serverSeconds.toFixed(1))],
    ["change: commit → first page, ms p50 / p99 / max (≤ 5 p50)", ...cells((r) => spread(r.burst.firstPageMs) + mark(r.burst.firstPageMs.p50 <= TARGETS.firstPageP50Ms))],
    ["change: commit → last page, ms p50 / p99 / max (≤ 20/40/120 p50)", ...cells((r) => spread(r.burst.lastPageMs) + mark(TARGETS.lastPageP50Ms[r.pages] === undefined || r.burst.lastPageMs.p50 <= TARGETS.lastPageP50Ms[r.pages]!))],
    ["floor on these sockets: one pre-encoded 80 B frame to every page, write loop / last page, ms", ...cells((r) => `${ms(r.floor.loopMs)} / ${ms(r.floor.lastPageMs)}`)],
    ["change: commit → last page p50 ÷ the floor's last page (issue: ≤ 1.5)", ...cells((r) => `${(r.burst.lastPageMs.p50 / r.floor.lastPageMs).toFixed(2)}×${mark(r.burst.lastPageMs.p50 <= 1.5 * r.floor.lastPageMs)}`)],
    ["    commit → server's announcement (sales process → server), ms p50 / p99 / max", ...cells((r) => spread(r.burst.announceMs))],
    ["    server: announcement → level event (re-read), ms p50 / p99 / max", ...cells((r) => spread(r.burst.rereadMs))],
    ["    server: level event → handed to the last page (its frame written), ms p50 / p99 / max", ...cells((r) => spread(r.burst.serverFanOutMs))],
    ["missed (page, change) pairs / pages missing one (target 0)", ...cells((r) => `${int(r.burst.missed)} / ${int(r.burst.pagesMissing)}${mark(r.burst.missed === 0)}`)],
    ["coalesced (page, change) pairs (shown with a later one)", ...cells((r) => int(r.burst.coalesced))],
    ["one-change frame, bytes + 2 B ws header, min–max (≤ 80)", ...cells((r) => (r.burst.frameBytes.single ? `${r.burst.frameBytes.single.min}–${r.burst.frameBytes.single.max} + 2${mark(r.burst.frameBytes.single.max + 2 <= TARGETS.frameBytes)}` : "–"))],
    ["several-change frames: count, bytes median", ...cells((r) => (r.burst.frameBytes.multi ? `${int(r.burst.frameBytes.multi.count)}, ${r.burst.frameBytes.multi.median}` : "0"))],
    ["frames changing no level (count)", ...cells((r) => int(r.burst.frameBytes.other?.count ?? 0))],
    ["frames per page during the burst", ...cells((r) => r.burst.framesPerPage.toFixed(1))],
    ["server CPU during the burst, s (share of one core)", ...cells((r) => `${r.burst.serverCpu.seconds.toFixed(2)} (${(r.burst.serverCpu.shareOfOneCore * 100).toFixed(0)}%)`)],
    ["sales process CPU during the burst, s (share of one core)", ...cells((r) => (r.burst.salesCpu ? `${r.burst.salesCpu.seconds.toFixed(2)} (${(r.burst.salesCpu.shareOfOneCore * 100).toFixed(0)}%)` : "in the server"))],
    ["driver CPU during the burst, s (share of one core)", ...cells((r) => `${r.burst.driverCpu.seconds.toFixed(2)} (${(r.burst.driverCpu.shareOfOneCore * 100).toFixed(0)}%)`)],
    ["event-loop delay in the burst, ms p50 / p99 / max (≤ 50 p99 at 10,000)", ...cells((r) => `${r.burst.eventLoop.samples === 0 ? "no samples: loop held" : `${ms(r.burst.eventLoop.p50)} / ${ms(r.burst.eventLoop.p99)} / ${ms(r.burst.eventLoop.max)}`}${r.pages >= 10_000 ? mark(r.burst.eventLoop.p99 <= TARGETS.eventLoopP99Ms) : ""}`)],
    ["admin dashboard: tick's commit → its next frame, ms p50 / p99 / max (≤ 1,000)", ...cells((r) => spread(r.burst.admin.commitToFrameMs) + mark(r.burst.admin.commitToFrameMs.max <= TARGETS.adminLagMs))],
    ["admin dashboard: frames during the burst", ...cells((r) => int(r.burst.admin.frames))],
    ["pages ending with a fresh render's HTML", ...cells((r) => `${int(r.check.pagesMatching)} of ${int(r.check.pagesCompared)}${mark(r.check.failures.length === 0)}`)],
    ["machine load average (1 min) at start", ...cells((r) => r.loadAverageAtStart.toFixed(2))],
  ];

  const notes: string[] = [];
  for (const r of runs) {
    const list = checks(r);
    notes.push(`issue 9 targets at ${int(r.pages)} pages: ${list.map((c) => `${c.what}: ${verdict(c.met)}`).join("; ")}.`);
    for (const failure of r.check.failures.slice(0, 3)) notes.push(`FAILED at ${int(r.pages)} pages: ${failure}`);
    for (const problem of r.problems.slice(0, 5)) notes.push(`PROBLEM at ${int(r.pages)} pages: ${problem}`);
    if (list.some((c) => c.correctness && !c.met)) process.exitCode = 1;
  }
  if (skipped.length > 0) notes.push(`SKIPPED ${skipped.map(int).join(", ")} pages: the open-files limit (ulimit -n) is ${limit}; raise it (ulimit -n 65536) to run them.`);
  notes.push(
    `database: ${runs[0]?.database ?? "–"}; PubSub in process (one node). The catalog is the spec's two launches with the seed's fixed stock; the first is on sale, the second is released by the admin with every page open; then the simulator sells ${settings.perTick} per tick with no pause between ticks until every size is sold out, ${runs[0]?.burst.sales === "server" ? "inside the server's process (LAUNCH_SALES=server, or PGlite)" : "in a process of its own on the same database (as `npm run store -- simulate` does), each tick's commit relayed to the server over HTTP as another node's would come over the cluster PubSub; the server's CPU and event loop then carry the re-reads and the pages, not the simulator"}.`,
    "latency of a change: from the moment the sales of the simulator tick that caused it had all committed (the tick's sales run concurrently; the tick is announced once all have) to the 'message' event in the driver for the first / last page whose merged HTML shows the new level, on the CLOCK_MONOTONIC both processes share. It includes the server's re-read of the sold rows and the driver reading every socket on its one core.",
    "each page's frames are merged with the framework's own merge and the levels read from the HTML, so a page counts a change only when it shows it; a page that shows two changes of one size in one frame has the earlier one 'coalesced' (delivered, at that frame's time).",
    "p99 is nearest-rank over the burst's level changes (a few dozen), so it is close to the slowest one; several changes of one tick share its commit time.",
    "memory: the server's heapUsed and RSS after gc, before the pages load (after a 50-page warm-up) and once all are joined, divided by the page count; each page is one tab with its own session cookie, cart id and presence entry.",
    "every page's final HTML is compared with a fresh render of / (all carts are empty), and 20 spread pages with a fresh render made with their own cookie.",
  );
  if (runs[0]?.sampleFrame) notes.push(`a one-change frame as received: ${runs[0].sampleFrame}`);

  const figures = { settings: { ...settings, skipped }, targets: TARGETS, runs: Object.fromEntries(runs.map((r) => [String(r.pages), { ...r, targets: checks(r) }])) };
  return { title: "launch: the store's product pages through one release and a burst of sales (server and driver in two processes)", columns: runs.map((r) => `${int(r.pages)} pages`), rows, notes, figures };
}
