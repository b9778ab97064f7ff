// The release timers, on a fake clock: fire at release_at (at once when past due), at most once
// per schedule, re-armed by a new time, cancelled by a cleared one or a release.

import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { ReleaseScheduler } from "../../src/store/release-scheduler.ts";
import type { Product } from "../../src/store/snapshot.ts";

const product = (id: number, releaseAt: string | null, released = false): Product => ({
  id,
  sku: `SHU${id}`,
  order: id,
  brand: "b",
  name: "n",
  color: "c",
  price: 1,
  mainImageUrl: "/i.png",
  released,
  releaseAt,
  items: [],
});

let fired: [number, string][];
let scheduler: ReleaseScheduler;
beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00Z") });
  fired = [];
  scheduler = new ReleaseScheduler((id, at) => void fired.push([id, at]));
});
afterEach(() => {
  scheduler.cancelAll();
  vi.useRealTimers();
});

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

test("fires at release_at, not before, and once", () => {
  const at = inMs(1000);
  scheduler.update(product(1, at));
  vi.advanceTimersByTime(999);
  expect(fired).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(fired).toEqual([[1, at]]);
  scheduler.update(product(1, at));
  vi.advanceTimersByTime(5000);
  expect(fired).toHaveLength(1);
  expect(scheduler.pending()).toEqual([]);
});

test("a past-due schedule fires at once", () => {
  scheduler.updateAll([product(1, inMs(-60_000)), product(2, null), product(3, inMs(-1), true)]);
  vi.advanceTimersByTime(0);
  expect(fired.map(([id]) => id)).toEqual([1]);
});

test("a new time re-arms; a cleared schedule, a release or a vanished product cancels", () => {
  scheduler.updateAll([product(1, inMs(1000)), product(2, inMs(1000)), product(3, inMs(1000)), product(4, inMs(1000))]);
  const later = inMs(3000);
  scheduler.update(product(1, later));
  scheduler.update(product(2, null));
  scheduler.update(product(3, inMs(1000), true));
  scheduler.updateAll([product(1, later), product(2, null), product(3, inMs(1000), true)]);
  expect(scheduler.pending()).toEqual([1]);
  vi.advanceTimersByTime(10_000);
  expect(fired).toEqual([[1, later]]);
});

test("a launch beyond setTimeout's range waits in steps", () => {
  const at = inMs(40 * 24 * 3600 * 1000);
  scheduler.update(product(1, at));
  vi.advanceTimersByTime(2 ** 31);
  expect(fired).toEqual([]);
  expect(scheduler.pending()).toEqual([1]);
  vi.advanceTimersByTime(40 * 24 * 3600 * 1000);
  expect(fired).toEqual([[1, at]]);
});

test("cancel forgets a fired schedule, so the next update arms it again", () => {
  const at = inMs(-1);
  scheduler.update(product(1, at));
  vi.advanceTimersByTime(0);
  scheduler.cancel(1);
  scheduler.update(product(1, at));
  vi.advanceTimersByTime(0);
  expect(fired).toEqual([
    [1, at],
    [1, at],
  ]);
});
