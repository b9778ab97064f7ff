// The render benchmark (issue 9): dead renders of the store's product page `/` per second, as a
// shopper's first visit (no cookie: a new session each), from autocannon in the runner's process
// against the real store server in its own: requests/s and latency, every response checked.

import autocannon from "autocannon";
import { loadavg } from "node:os";
import { positiveSetting } from "./children.ts";
import type { ScenarioResult } from "./run.ts";
import { control, request, STATIC_PATH } from "./store-client.ts";
import { withStoreServer } from "./store-run.ts";

const settings = {
  /** RENDER_CONNECTIONS: concurrent connections (keep-alive, one request in flight each). */
  connections: positiveSetting("RENDER_CONNECTIONS", 50),
  /** RENDER_WARMUP_S and RENDER_SECONDS: the unmeasured run (bodies checked), then the measured one. */
  warmupSeconds: positiveSetting("RENDER_WARMUP_S", 2),
  seconds: positiveSetting("RENDER_SECONDS", 5),
  timeoutMs: positiveSetting("RENDER_TIMEOUT_S", 120) * 1000,
};

/** Issue 9's target: dead renders of / per second. */
export const TARGETS = { rendersPerSec: 8000 };

function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** What every response must be: the whole product page with both launches. */
function complete(received: string | Buffer | undefined): boolean {
  const body = String(received ?? "");
  return body.endsWith("</html>") && body.includes('<main class="product-list">') && (body.match(/class="product-listing"/g)?.length ?? 0) === 2;
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");

export async function runRender(): Promise<ScenarioResult> {
  const loadAverageAtStart = loadavg()[0]!;
  let database = "";
  const { warm, measured, pageBytes, cpu, floor } = await withStoreServer("the render benchmark", settings.timeoutMs, async (server) => {
    database = server.database;
    const url = `${server.url}/`;
    const sample = await request(url);
    if (sample.status !== 200 || !complete(sample.body)) throw new Error(`GET / should answer 200 with the whole product page; answered ${sample.status}: ${sample.body.slice(0, 200)}`);
    const common = { url, connections: settings.connections, pipelining: 1 };
    const warm = await cannon({ ...common, duration: settings.warmupSeconds, verifyBody: complete });
    const cpu0 = await control<{ user: number; system: number }>(`${server.url}/bench/cpu`);
    const measured = await cannon({ ...common, duration: settings.seconds });
    const cpu1 = await control<{ user: number; system: number }>(`${server.url}/bench/cpu`);
    // The floor: the same bytes from the same server without rendering or signing anything.
    const staticUrl = `${server.url}${STATIC_PATH}`;
    await cannon({ ...common, url: staticUrl, duration: settings.warmupSeconds, verifyBody: complete });
    const floor = await cannon({ ...common, url: staticUrl, duration: settings.seconds });
    return { warm, measured, pageBytes: Buffer.byteLength(sample.body), cpu: (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1e6, floor };
  });

  const problems: string[] = [];
  const check = (name: string, r: autocannon.Result) => {
    if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) problems.push(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  };
  check("warm-up", warm);
  check("measured run", measured);
  check("floor run", floor);
  if (warm.mismatches > 0) problems.push(`warm-up: ${warm.mismatches} responses were not the whole product page`);
  const bytesPerResponse = measured.throughput.total / measured.requests.total;
  if (bytesPerResponse < pageBytes) problems.push(`measured run: ${int(bytesPerResponse)} bytes per response, less than the page's ${int(pageBytes)} B body`);
  if (problems.length > 0) process.exitCode = 1;

  const perSec = measured.requests.total / measured.duration;
  const floorPerSec = floor.requests.total / floor.duration;
  const met = perSec >= TARGETS.rendersPerSec;
  const rows: [string, string][] = [
    ["dead renders of / per second (target ≥ 8,000)", `${int(perSec)}${met ? "" : " ✗"}`],
    ["latency, ms p50 / p99 / max", `${measured.latency.p50} / ${measured.latency.p99} / ${measured.latency.max}`],
    ["responses in the measured run (all 200, complete)", `${int(measured.requests.total)}${problems.length > 0 ? " ✗" : ""}`],
    ["bytes per response (headers + body)", int(bytesPerResponse)],
    ["server CPU per render, µs", int((cpu * 1e6) / measured.requests.total)],
    ["floor: the same response, no render or token (requests/s, p99 ms)", `${int(floorPerSec)}, ${floor.latency.p99}`],
    ["dead renders ÷ floor", `${((100 * perSec) / floorPerSec).toFixed(0)}%`],
    ["server CPU, share of one core", `${((cpu / measured.duration) * 100).toFixed(0)}%`],
  ];
  const notes = [
    `issue 9 target: ${int(perSec)} dead renders/s ≥ 8,000: ${met ? "met" : "NOT MET"}.`,
    `autocannon ${settings.connections} keep-alive connections, one request in flight each, ${settings.warmupSeconds} s warm-up (every body checked: the whole page with both products), then ${settings.seconds} s measured (status and size checked). No cookie: each request is a first visit (a new session and cart id, three signed tokens: cookie, CSRF and live session; a new cart is known to be empty, so no database read).`,
    `floor: autocannon the same way against ${STATIC_PATH} on the same server, which answers the first-visit page's bytes, type and Set-Cookie header made once: what fastify and the sockets cost on this machine, without the framework. The issue's 8,000/s is a fixed figure; the ratio is the part this code controls.`,
    ...problems.map((p) => `FAILED: ${p}`),
    `database: ${database}; autocannon runs in the runner's process, the server in its own; machine load average (1 min) at start ${loadAverageAtStart.toFixed(2)}.`,
  ];
  const figures = {
    settings,
    targets: TARGETS,
    database,
    loadAverageAtStart,
    rendersPerSec: Math.round(perSec),
    floor: { requestsPerSec: Math.round(floorPerSec), latencyMs: { p50: floor.latency.p50, p99: floor.latency.p99 } },
    shareOfFloor: perSec / floorPerSec,
    targetMet: met,
    latencyMs: { p50: measured.latency.p50, p90: measured.latency.p90, p99: measured.latency.p99, max: measured.latency.max },
    requests: measured.requests.total,
    bytesPerResponse: Math.round(bytesPerResponse),
    serverCpuSeconds: cpu,
    problems,
  };
  return { title: "render: dead renders of the product page / (autocannon against the store server)", columns: ["figure"], rows, notes, figures };
}
