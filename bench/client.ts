// The `client` scenario: the browser client's size, minified and min+gzip (morphdom included),
// against the budget of 12 KB min+gzip.

import { buildClient } from "../client/build.ts";
import type { ScenarioResult } from "./run.ts";

const BUDGET = 12 * 1024;

export async function runClient(): Promise<ScenarioResult> {
  const { bytes, gzip } = await buildClient();
  return {
    title: "client: client/dist/switchboard.js (morphdom included)",
    columns: ["bytes"],
    rows: [
      ["minified", bytes.toLocaleString("en-US")],
      ["min+gzip", gzip.toLocaleString("en-US")],
      ["budget (min+gzip)", BUDGET.toLocaleString("en-US")],
    ],
    notes: [`min+gzip is ${((gzip / BUDGET) * 100).toFixed(0)}% of the 12 KB budget${gzip > BUDGET ? " — OVER BUDGET" : ""}.`],
    figures: { minified: bytes, gzip, budget: BUDGET },
  };
}
