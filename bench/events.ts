// The events benchmark (issue 9): 50 sessions clicking as fast as the server replies, over real
// websockets on 127.0.0.1 — the counter's increment, then the cart's add and remove on the real
// store — from a load driver (events-driver.ts) in a process of its own: events/s and round trips.

import { loadavg } from "node:os";
import type { EventsResult, PhaseResult } from "./events-driver.ts";
import { positiveSetting } from "./children.ts";
import type { ScenarioResult } from "./run.ts";
import { runDriver, withStoreServer } from "./store-run.ts";

const settings = {
  /** EVENTS_SESSIONS: sessions clicking at once. */
  sessions: positiveSetting("EVENTS_SESSIONS", 50),
  /** EVENTS_WARMUP_MS and EVENTS_MEASURE_MS: each phase's unmeasured and measured time. */
  warmupMs: positiveSetting("EVENTS_WARMUP_MS", 1000),
  measureMs: positiveSetting("EVENTS_MEASURE_MS", 5000),
  timeoutMs: positiveSetting("EVENTS_TIMEOUT_S", 120) * 1000,
};

/** Issue 9's targets for the counter at 50 sessions. */
export const TARGETS = { counterEventsPerSec: 60_000, counterRttP99Ms: 2 };

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (!Number.isFinite(n) ? "–" : n < 10 ? n.toFixed(2) : n.toFixed(1));
const verdict = (met: boolean) => (met ? "met" : "NOT MET");

export async function runEvents(): Promise<ScenarioResult> {
  const loadAverageAtStart = loadavg()[0]!;
  let database = "";
  const result = await withStoreServer("the events benchmark", settings.timeoutMs, async (server, expired) => {
    database = server.database;
    const args = [`--url=${server.url}`, `--sessions=${settings.sessions}`, `--warmup-ms=${settings.warmupMs}`, `--measure-ms=${settings.measureMs}`];
    return runDriver<EventsResult>("events-driver.ts", args, expired);
  });
  const { floor, counter, cart } = result;
  const rateMet = counter.eventsPerSec >= TARGETS.counterEventsPerSec;
  const rttMet = counter.rttMs.p99 <= TARGETS.counterRttP99Ms;
  const atTarget = settings.sessions === 50;
  const mark = (met: boolean) => (atTarget && !met ? " ✗" : "");
  const rttCell = (p: PhaseResult) => `${ms(p.rttMs.p50)} / ${ms(p.rttMs.p99)} / ${ms(p.rttMs.max)}`;
  const rows: [string, ...string[]][] = [
    ["sessions clicking at once", String(counter.sessions), String(cart.sessions)],
    ["events per second (counter target ≥ 60,000)", int(counter.eventsPerSec) + mark(rateMet), int(cart.eventsPerSec)],
    ["round trip, ms p50 / p99 / max (counter target p99 ≤ 2)", rttCell(counter) + mark(rttMet), rttCell(cart)],
    ...Object.entries(cart.byEvent).map(([event, e]): [string, string, string] => [`    ${event}: events, round trip ms p50 / p99`, "", `${int(e.events)}, ${ms(e.rttMs.p50)} / ${ms(e.rttMs.p99)}`]),
    ["pushed diffs besides the replies", int(counter.pushes), int(cart.pushes)],
    ["server CPU, share of one core", `${(counter.serverCpu.shareOfOneCore * 100).toFixed(0)}%`, `${(cart.serverCpu.shareOfOneCore * 100).toFixed(0)}%`],
    ["driver CPU, share of one core", `${(counter.driverCpu.shareOfOneCore * 100).toFixed(0)}%`, `${(cart.driverCpu.shareOfOneCore * 100).toFixed(0)}%`],
    ["server CPU per event, µs", ms((counter.serverCpu.seconds * 1e6) / counter.events), ms((cart.serverCpu.seconds * 1e6) / cart.events)],
    ["floor: the same clicks on a bare websocket echo, events/s", int(floor.eventsPerSec), ""],
    ["floor: round trip, ms p50 / p99 / max", rttCell(floor), ""],
    ["floor: server CPU per event, µs", ms((floor.serverCpu.seconds * 1e6) / floor.events), ""],
    ["counter ÷ floor (events/s)", `${((100 * counter.eventsPerSec) / floor.eventsPerSec).toFixed(0)}%`, ""],
  ];
  const notes = [
    atTarget
      ? `issue 9 targets (counter, 50 sessions): ${int(counter.eventsPerSec)} events/s ≥ 60,000: ${verdict(rateMet)}; round trip p99 ${ms(counter.rttMs.p99)} ms ≤ 2 ms: ${verdict(rttMet)}.`
      : `issue 9's targets are set at 50 sessions; this run has ${settings.sessions} (EVENTS_SESSIONS), so they are not judged.`,
    `each session is a page load (own cookie), a websocket and a join; it sends its next click when the reply to the last arrives. ${settings.warmupMs / 1000} s of warm-up, then ${settings.measureMs / 1000} s measured: replies in the window / its length; round trips from the send to the reply's 'message' event in the driver (performance.now()).`,
    "floor: first, the same sessions click the same frames on a bare websocket of the same server (fastify + @fastify/websocket, no channel or view) that answers each with a pre-encoded reply of the counter reply's size: what the sockets cost on this machine. The issue's 60,000/s is a fixed figure; the share of the floor is the part this code controls.",
    "cart: each session alternates add (the product page's event, one size per session) and remove (the cart component's event, with its cid); each is a database write and a re-read of the cart, and tells the cart's other tabs.",
    `checks: ${counter.checked}; ${cart.checked}.`,
    `the server's default rate limit (2,000 messages/s per connection) caps what ${settings.sessions} sessions can send at ${int(2000 * settings.sessions)} events/s.`,
    `database: ${database}; machine load average (1 min) at start ${loadAverageAtStart.toFixed(2)}.`,
  ];
  const figures = { settings, targets: TARGETS, database, loadAverageAtStart, floor, counterShareOfFloor: counter.eventsPerSec / floor.eventsPerSec, counter, cart, targetsMet: atTarget ? { counterEventsPerSec: rateMet, counterRttP99: rttMet } : null };
  return { title: `events: ${settings.sessions} sessions clicking as fast as replies come (server and driver in two processes)`, columns: ["counter inc", "cart add/remove"], rows, notes, figures };
}
