// Generated cases for the diff invariant: for any sequence of states, merging the diffs (through a
// JSON round trip) into the first render gives exactly the HTML of rendering the last state from
// scratch; an unchanged state diffs to null; statics travel once per connection; moves are numbers.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { build, createTree, diff, DiffContext, html, memo, merge, render, toHTML, type Rendered, type WireDiff } from "../../src/switchboard/index.ts";
import { key, page, scenarioArb, statesOf, text, withoutMemo, type Key, type State } from "./arbitraries.ts";

/** SB_PROPERTY_RUNS=20000 for a longer soak of the main property. */
const RUNS = Number(process.env.SB_PROPERTY_RUNS ?? 1000);

const wire = (d: WireDiff): WireDiff => JSON.parse(JSON.stringify(d)) as WireDiff;

/** Every `s` in a diff that names a statics id. */
function staticsRefs(value: unknown, out: number[] = []): number[] {
  if (typeof value !== "object" || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    if (k === "p") continue;
    if (k === "s" && typeof v === "number") out.push(v);
    else staticsRefs(v, out);
  }
  return out;
}

/** Plays the states through one connection, checking the invariant after every step. */
function play(states: readonly State[]): void {
  const ctx = new DiffContext();
  const tree = createTree();
  const owned = createTree(); // merges the diff objects themselves, as an in-process harness may
  const sent = new Set<number>();
  let prev: Rendered | null = null;
  for (let i = 0; i < states.length; i++) {
    const state = states[i]!;
    const next = build(page(state));
    const d = diff(prev, next, ctx);
    if (i === 0) expect(d).not.toBeNull();
    if (i > 0 && state === states[i - 1]) expect(d).toBeNull();
    if (d) {
      for (const id of Object.keys(d.p ?? {}).map(Number)) {
        expect(sent.has(id), `statics ${id} sent twice`).toBe(false);
        sent.add(id);
      }
      for (const id of staticsRefs(d)) expect(sent.has(id), `statics ${id} used before being sent`).toBe(true);
      merge(tree, wire(d));
      merge(owned, d);
    }
    const expected = render(next);
    expect(toHTML(tree)).toBe(expected);
    expect(toHTML(owned)).toBe(expected);
    expect(render(build(page(state)))).toBe(expected);
    expect(withoutMemo(() => render(build(page(state))))).toBe(expected);
    // Rebuilding the same state changes nothing.
    expect(diff(next, build(page(state)), ctx)).toBeNull();
    prev = next;
  }
}

describe("diff and merge (generated)", () => {
  it("merging the diffs of any sequence of states gives the HTML of the last state rendered from scratch", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => play(statesOf(scenario))),
      { numRuns: RUNS },
    );
  }, Math.max(20_000, RUNS * 20));

  const Row = ({ k, label }: { k: Key; label: string }) => html`<li key=${k} class="row">${label}</li>`;
  const MemoRow = memo((e: { k: Key; label: string }) => html`<li key=${e.k}>${e.label}</li>`);
  const list = (rows: readonly { k: Key; label: string }[], memoised: boolean) =>
    html`<ul>${rows.map((r) => (memoised ? MemoRow(r) : Row(r)))}</ul>`;
  const entries = fc.uniqueArray(fc.record({ k: key, label: text }), { selector: (e) => e.k, minLength: 1, maxLength: 12 });

  it("moves in a keyed list send old indexes only, never entry content", () => {
    const scenario = entries.chain((rows) =>
      fc.record({ rows: fc.constant(rows), moved: fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }), memoised: fc.boolean() }),
    );
    fc.assert(
      fc.property(scenario, ({ rows, moved, memoised }) => {
        const ctx = new DiffContext();
        const tree = createTree();
        const before = build(list(rows, memoised));
        merge(tree, wire(diff(null, before, ctx)!));
        const after = build(list(moved, memoised));
        const d = diff(before, after, ctx);
        const same = moved.every((r, i) => r === rows[i]);
        if (same) {
          expect(d).toBeNull();
          return;
        }
        expect(d).not.toBeNull();
        expect(Object.keys(d!)).toEqual(["0"]);
        const k = (d![0] as { k: Record<string, unknown> }).k;
        expect(k.kc).toBe(rows.length);
        for (const [i, entry] of Object.entries(k)) {
          if (i === "kc") continue;
          expect(typeof entry, `entry ${i} of ${JSON.stringify(k)}`).toBe("number");
          expect(rows[entry as number]).toBe(moved[Number(i)]);
        }
        merge(tree, wire(d!));
        expect(toHTML(tree)).toBe(render(after));
      }),
      { numRuns: 200 },
    );
  });

  it("changing one field of one keyed entry sends that field only", () => {
    const scenario = entries.chain((rows) => fc.record({ rows: fc.constant(rows), at: fc.nat(rows.length - 1), label: text }));
    fc.assert(
      fc.property(scenario, ({ rows, at, label }) => {
        const ctx = new DiffContext();
        const before = build(list(rows, false));
        diff(null, before, ctx);
        const changed = rows.map((r, i) => (i === at ? { k: r.k, label } : r));
        const d = diff(before, build(list(changed, false)), ctx);
        if (label === rows[at]!.label) {
          expect(d).toBeNull();
          return;
        }
        const escaped = render(build(html`${label}`));
        expect(d).toEqual({ 0: { k: { kc: rows.length, [at]: { 0: escaped } } } });
      }),
      { numRuns: 100 },
    );
  });
});
