// Stock levels by the spec's exact thresholds: 0 out, 1–149 low, 150–499 medium, ≥ 500 high.

import { expect, test } from "vitest";
import { levelOf } from "../../src/store/levels.ts";

test.each([
  [0, "out"],
  [1, "low"],
  [149, "low"],
  [150, "medium"],
  [499, "medium"],
  [500, "high"],
  [1200, "high"],
] as const)("%i available is %s", (count, level) => {
  expect(levelOf(count)).toBe(level);
});

test("a negative count (never stored) reads as out", () => {
  expect(levelOf(-1)).toBe("out");
});
