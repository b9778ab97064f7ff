// The sales chart's SVG: a bar for each second with sales, scaled to a round top, the axes and
// the time labels.

import { expect, test } from "vitest";
import { build, render } from "../../src/switchboard/index.ts";
import { salesChart, scaleTop } from "../../templates/sales-chart.ts";

const svg = (series: number[]) => render(build(salesChart(series)));

test("one bar per second that sold, the tallest reaching the round top of the scale", () => {
  const series = Array.from({ length: 120 }, () => 0);
  series[0] = 10;
  series[119] = 40;
  series[60] = 25;
  const out = svg(series);
  const bars = [...out.matchAll(/<rect class="chart__bar" x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="([\d.]+)">/g)];
  expect(bars).toHaveLength(3);
  expect(out).toContain(">50/s</text>"); // 40 rounds up to 50
  const heights = bars.map((bar) => Number(bar[3]));
  expect(heights[2]! / heights[0]!).toBeCloseTo(4, 1); // 40 vs 10
  expect(Number(bars[0]![1])).toBeLessThan(Number(bars[1]![1])); // oldest on the left
  expect(out).toContain("<title>40 sold this second</title>");
  expect(out).toContain("<title>10 sold 119s ago</title>");
  expect(out.match(/class="chart__axis"/g)).toHaveLength(2);
  expect(out).toContain(">-2 min</text>");
  expect(out).toContain(">now</text>");
});

test("no sales: no bars, a scale of 1/s", () => {
  const out = svg(Array.from({ length: 120 }, () => 0));
  expect(out).not.toContain("chart__bar");
  expect(out).toContain(">1/s</text>");
  expect(out).toMatch(/^<svg class="chart" viewBox="0 0 600 160"/);
});

test("scaleTop rounds up to 1, 2 or 5 times a power of ten", () => {
  expect([0, 1, 2, 3, 7, 10, 11, 199, 200, 201, 4999].map(scaleTop)).toEqual([1, 1, 2, 5, 10, 10, 20, 200, 200, 500, 5000]);
});
