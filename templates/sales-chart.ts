// The admin's sales chart: units sold per second, one bar per second (oldest on the left, now on
// the right), as a server-rendered SVG with its axes, the scale's top and the time labels.

import { html } from "../src/switchboard/index.ts";

const WIDTH = 600;
const HEIGHT = 160;
const LEFT = 40;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 20;

/** `series`: units sold in each second, oldest first, the last one being the current second. */
export const salesChart = (series: readonly number[]) => {
  const seconds = series.length;
  const top = scaleTop(Math.max(0, ...series));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const step = plotWidth / Math.max(1, seconds);
  const baseline = TOP + plotHeight;
  const bars = series.map((units, i) => {
    if (units <= 0) return null;
    const height = Math.max(1, (units / top) * plotHeight);
    const ago = seconds - 1 - i;
    return html`<rect class="chart__bar" x=${coord(LEFT + i * step)} y=${coord(baseline - height)} width=${coord(Math.max(1, step * 0.8))} height=${coord(height)}><title>${units} sold ${ago === 0 ? "this second" : `${ago}s ago`}</title></rect>`;
  });
  return html`
    <svg class="chart" viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label=${`Units sold per second over the last ${span(seconds)}`}>
      <line class="chart__axis" x1=${LEFT} y1=${TOP} x2=${LEFT} y2=${baseline} />
      <line class="chart__axis" x1=${LEFT} y1=${baseline} x2=${WIDTH - RIGHT} y2=${baseline} />
      <text class="chart__label chart__label--max" x=${LEFT - 4} y=${TOP + 4} text-anchor="end">${top}/s</text>
      <text class="chart__label" x=${LEFT - 4} y=${baseline} text-anchor="end">0</text>
      ${bars}
      <text class="chart__label" x=${LEFT} y=${HEIGHT - 4} text-anchor="start">-${span(seconds)}</text>
      <text class="chart__label" x=${LEFT + plotWidth / 2} y=${HEIGHT - 4} text-anchor="middle">-${span(Math.round(seconds / 2))}</text>
      <text class="chart__label" x=${WIDTH - RIGHT} y=${HEIGHT - 4} text-anchor="end">now</text>
    </svg>`;
};

/** The scale's top: the peak rounded up to 1, 2 or 5 times a power of ten (at least 1). */
export function scaleTop(peak: number): number {
  if (!(peak > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(peak));
  for (const step of [1, 2, 5, 10]) if (peak <= step * power) return step * power;
  return 10 * power;
}

function span(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds}s`;
}

function coord(n: number): string {
  return String(Math.round(n * 10) / 10);
}
