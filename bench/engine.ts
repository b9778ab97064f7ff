// The engine benchmark: the store's product page (test/fixtures/product-page.ts) at 2×13 and 50×13,
// timed through build(), diff() and render(), with wire sizes and the memory a session retains.
// Work that only sets the scene (new inventory states, fresh trees) is prepared outside the clock.

import { build, diff, DiffContext, render, type Rendered } from "../src/switchboard/index.ts";
import { catalog, productPage, withLevel, type Level, type Product } from "../test/fixtures/product-page.ts";
import type { ScenarioResult } from "./run.ts";

/** The target for one size-level change on the 2×13 page: build + diff. */
const TARGET_UPDATE_US = 20;
const SESSIONS = 1000;
const SHARED_SESSIONS = 10_000;
const SHAPES = [2, 50] as const;
/** Clock time measured per figure, after a warm-up; untimed preparation may add up to as much again. */
const BUDGET_MS = 1000;
const BATCH = 500;
const ROUNDS = 5;

interface Timing {
  readonly ops: number;
  /** The fastest round: the least disturbed by other processes on the machine. */
  readonly usPerOp: number;
  readonly opsPerSec: number;
  readonly medianUsPerOp: number;
}

/**
 * Times `prepare()`'s returned closure, batch after batch: preparing is not timed, the closure
 * is, and returns how many operations it ran. After a warm-up the budget is split into ROUNDS;
 * the fastest round is reported (noise from other processes only ever slows a round down), and
 * the median is kept beside it.
 */
function time(prepare: () => () => number, budgetMs = BUDGET_MS): Timing {
  const warmUntil = performance.now() + budgetMs / 4;
  while (performance.now() < warmUntil) prepare()();
  const perRound: number[] = [];
  let ops = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const wallUntil = performance.now() + (2 * budgetMs) / ROUNDS;
    let roundOps = 0;
    let spent = 0;
    while (spent < budgetMs / ROUNDS && (roundOps === 0 || performance.now() < wallUntil)) {
      const run = prepare();
      const start = performance.now();
      roundOps += run();
      spent += performance.now() - start;
    }
    perRound.push((spent * 1000) / roundOps);
    ops += roundOps;
  }
  perRound.sort((a, b) => a - b);
  const usPerOp = perRound[0]!;
  return { ops, usPerOp, opsPerSec: 1e6 / usPerOp, medianUsPerOp: perRound[ROUNDS >> 1]! };
}

/** An endless chain of inventory states, each one size level away from the one before. */
function stockChanges(products: readonly Product[]) {
  const productIndex = Math.floor(products.length / 2);
  const itemIndex = 5;
  const levels: Level[] = ["out", products[productIndex]!.items[itemIndex]!.level];
  let current = products;
  let step = 0;
  return (): readonly Product[] => (current = withLevel(current, productIndex, itemIndex, levels[step++ % 2]!));
}

function times<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

function updates(count: number) {
  const products = catalog(count);
  const next = stockChanges(products);
  const ctx = new DiffContext();
  let prev: Rendered = build(productPage(products));
  diff(null, prev, ctx);

  // (a) build + diff of one change: the changed card misses the memo, every other card hits.
  const both = time(() => {
    const states = times(BATCH, next);
    return () => {
      for (const state of states) {
        const tree = build(productPage(state));
        diff(prev, tree, ctx);
        prev = tree;
      }
      return states.length;
    };
  });
  const buildOnly = time(() => {
    const states = times(BATCH, next);
    return () => {
      for (const state of states) prev = build(productPage(state));
      return states.length;
    };
  });
  const diffOnly = time(() => {
    const trees = times(BATCH, () => build(productPage(next())));
    return () => {
      for (const tree of trees) {
        diff(prev, tree, ctx);
        prev = tree;
      }
      return trees.length;
    };
  });

  // (c) the wire size of one change.
  const tree = build(productPage(next()));
  const typical = diff(prev, tree, ctx);
  return { both, buildOnly, diffOnly, diffBytes: JSON.stringify(typical).length, diffJSON: typical };
}

function firstRenders(count: number) {
  const shared = catalog(count);
  // (b) a new session on a page whose cards other sessions have rendered (shared inventory) …
  const warm = time(() => () => {
    for (let i = 0; i < BATCH; i++) diff(null, build(productPage(shared)), new DiffContext());
    return BATCH;
  });
  // … and on inventory nobody has rendered yet: every card and button is rendered.
  const cold = time(() => {
    const fresh = times(BATCH / 10, () => catalog(count));
    return () => {
      for (const products of fresh) diff(null, build(productPage(products)), new DiffContext());
      return fresh.length;
    };
  });
  const tree = build(productPage(shared));
  const first = diff(null, tree, new DiffContext());
  return { warm, cold, bytes: JSON.stringify(first).length, htmlBytes: render(tree).length };
}

function deadRenders(count: number) {
  // (e) HTML from a tree. Memoised cards cache their HTML after their first render. render()
  // returns a string built by concatenation, which V8 keeps as a rope until something reads it,
  // so the figures that count include the UTF-8 encoding an HTTP response does.
  const tree = build(productPage(catalog(count)));
  const cached = time(() => () => {
    for (let i = 0; i < BATCH; i++) render(tree);
    return BATCH;
  });
  const cachedEncoded = time(() => () => {
    for (let i = 0; i < BATCH / 10; i++) Buffer.from(render(tree), "utf8");
    return BATCH / 10;
  });
  // Trees built from fresh inventory, each rendered once: nothing cached.
  const fresh = time(() => {
    const trees = times(BATCH / 10, () => build(productPage(catalog(count))));
    return () => {
      for (const t of trees) Buffer.from(render(t), "utf8");
      return trees.length;
    };
  });
  return { cached, cachedEncoded, fresh };
}

interface Session {
  readonly tree: Rendered;
  readonly ctx: DiffContext;
}

/**
 * (d) What live connections retain for diffing: their last tree and their DiffContext after the
 * first diff. Shared: every session renders the same inventory objects, so the memoised cards are
 * one copy. Not shared: each session renders its own copy of the products. A small shared figure
 * needs many sessions to rise above the heap's noise, so the shared case opens more of them.
 */
function retained(count: number, sharing: boolean): { sessions: number; bytesPerSession: number } {
  const gc = globalThis.gc!;
  const sessionCount = sharing ? SHARED_SESSIONS : SESSIONS;
  const inventory = catalog(count);
  const open = (n: number): Session[] =>
    times(n, () => {
      const tree = build(productPage(sharing ? inventory : catalog(count)));
      const ctx = new DiffContext();
      diff(null, tree, ctx);
      return { tree, ctx };
    });
  open(100); // warms the memo cache and the code paths before the baseline
  let sessions: Session[] = [];
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  sessions = open(sessionCount);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (sessions.length !== sessionCount) throw new Error("unreachable: keeps the sessions alive");
  return { sessions: sessionCount, bytesPerSession: Math.max(0, after - before) / sessionCount };
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const us = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const bytes = (n: number) => `${int(n)} B`;
const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const timing = (t: Timing) => ({ usPerOp: round(t.usPerOp), opsPerSec: Math.round(t.opsPerSec), medianUsPerOp: round(t.medianUsPerOp), ops: t.ops });

export async function runEngine(): Promise<ScenarioResult> {
  const canMeasureMemory = typeof globalThis.gc === "function";
  const shapes = SHAPES.map((count) => {
    const update = updates(count);
    const first = firstRenders(count);
    const dead = deadRenders(count);
    const memory = canMeasureMemory ? { shared: retained(count, true), unshared: retained(count, false) } : null;
    return { name: `${count}x13`, count, update, first, dead, memory };
  });

  const cells = (f: (s: (typeof shapes)[number]) => string) => shapes.map(f);
  const mem = (f: (m: NonNullable<(typeof shapes)[number]["memory"]>) => string) =>
    cells((s) => (s.memory ? f(s.memory) : "needs --expose-gc"));
  const rows: [string, ...string[]][] = [
    ["(a) size change: build+diff, ops/s", ...cells((s) => int(s.update.both.opsPerSec))],
    ["(a) size change: build+diff, µs/op", ...cells((s) => us(s.update.both.usPerOp))],
    ["    of which build, µs", ...cells((s) => us(s.update.buildOnly.usPerOp))],
    ["    of which diff, µs", ...cells((s) => us(s.update.diffOnly.usPerOp))],
    ["(b) first render build+diff, µs (cards memoised)", ...cells((s) => us(s.first.warm.usPerOp))],
    ["(b) first render build+diff, µs (cold inventory)", ...cells((s) => us(s.first.cold.usPerOp))],
    ["(b) first render diff, bytes (JSON)", ...cells((s) => bytes(s.first.bytes))],
    ["    page HTML, bytes", ...cells((s) => bytes(s.first.htmlBytes))],
    ["(c) typical diff (one size level), bytes", ...cells((s) => bytes(s.update.diffBytes))],
    [`(d) retained per session, shared memo (${int(SHARED_SESSIONS)} sessions)`, ...mem((m) => bytes(m.shared.bytesPerSession))],
    [`(d) retained per session, no sharing (${int(SESSIONS)} sessions)`, ...mem((m) => bytes(m.unshared.bytesPerSession))],
    ["    sharing saves", ...mem((m) => `${((1 - m.shared.bytesPerSession / m.unshared.bytesPerSession) * 100).toFixed(1)} %`)],
    ["(e) dead render per s, cached card HTML, render() only", ...cells((s) => int(s.dead.cached.opsPerSec))],
    ["(e) dead render per s, cached card HTML, + UTF-8 bytes", ...cells((s) => int(s.dead.cachedEncoded.opsPerSec))],
    ["(e) dead render per s, fresh tree, + UTF-8 bytes", ...cells((s) => int(s.dead.fresh.opsPerSec))],
  ];

  const small = shapes[0]!.update.both.usPerOp;
  const notes = [
    `target: one size-level change on the 2x13 page (build+diff) under ${TARGET_UPDATE_US} µs — measured ${us(small)} µs, ` +
      (small < TARGET_UPDATE_US ? `met (${(TARGET_UPDATE_US / small).toFixed(1)}x headroom).` : `MISSED by ${us(small - TARGET_UPDATE_US)} µs.`),
    `timings: fastest of ${ROUNDS} rounds after a warm-up (medians in the JSON); other processes on the machine only slow rounds down.`,
    "(a) every iteration changes one size level to a fresh inventory object, so the changed card and button miss the memo and are rendered again; the other cards are memo hits skipped by identity.",
    "(d) a session keeps its last Rendered tree and DiffContext only; the products themselves (shared inventory or per-session copies) are not counted.",
    "(e) render() only measures string concatenation (V8 ropes); the rows with UTF-8 bytes include flattening and encoding, as an HTTP response does.",
    `typical diff (2x13): ${JSON.stringify(shapes[0]!.update.diffJSON)}`,
  ];
  if (!canMeasureMemory) notes.push("retained bytes need global.gc(): run through `npm run bench` (node --expose-gc).");

  const figures = {
    targetUpdateUs: TARGET_UPDATE_US,
    targetMet: small < TARGET_UPDATE_US,
    shapes: Object.fromEntries(
      shapes.map((s) => [
        s.name,
        {
          products: s.count,
          sizesPerProduct: 13,
          update: { buildAndDiff: timing(s.update.both), build: timing(s.update.buildOnly), diff: timing(s.update.diffOnly) },
          firstRender: { memoisedCards: timing(s.first.warm), coldInventory: timing(s.first.cold), diffBytes: s.first.bytes, htmlBytes: s.first.htmlBytes },
          typicalDiffBytes: s.update.diffBytes,
          typicalDiff: s.update.diffJSON,
          retainedBytesPerSession: s.memory
            ? {
                sharedMemo: Math.round(s.memory.shared.bytesPerSession),
                sharedMemoSessions: s.memory.shared.sessions,
                noSharing: Math.round(s.memory.unshared.bytesPerSession),
                noSharingSessions: s.memory.unshared.sessions,
              }
            : null,
          deadRender: {
            cachedCardHTMLRenderOnly: timing(s.dead.cached),
            cachedCardHTMLWithUtf8: timing(s.dead.cachedEncoded),
            freshTreeWithUtf8: timing(s.dead.fresh),
          },
        },
      ]),
    ),
  };
  return { title: "engine: product page (products x 13 sizes)", columns: shapes.map((s) => s.name), rows, notes, figures };
}
