// The benchmark runner behind `npm run bench [scenario]`: runs one scenario by name, or all of
// them, prints each one's table and writes its figures to bench/results/<scenario>.json.

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** What a scenario hands back: a table to print and the figures to keep. */
export interface ScenarioResult {
  readonly title: string;
  /** Column headings after the first (metric) column. */
  readonly columns: readonly string[];
  readonly rows: readonly (readonly [metric: string, ...cells: string[]])[];
  readonly notes: readonly string[];
  readonly figures: Record<string, unknown>;
}

const scenarios: Record<string, () => Promise<ScenarioResult>> = {
  engine: async () => (await import("./engine.ts")).runEngine(),
  runtime: async () => (await import("./runtime.ts")).runRuntime(),
  harness: async () => (await import("./harness.ts")).runHarness(),
  client: async () => (await import("./client.ts")).runClient(),
  launch: async () => (await import("./launch.ts")).runLaunch(),
  events: async () => (await import("./events.ts")).runEvents(),
  render: async () => (await import("./render.ts")).runRender(),
  cluster: async () => (await import("./cluster.ts")).runCluster(),
};

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");

function table(result: ScenarioResult): string {
  const head = ["", ...result.columns];
  const widths = head.map((h, i) => Math.max(h.length, ...result.rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...result.rows.map(line)].join("\n");
}

async function main(argv: string[]): Promise<void> {
  const names = argv.length > 0 ? argv : Object.keys(scenarios);
  const unknown = names.filter((n) => !(n in scenarios));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark scenario ${unknown.map((n) => JSON.stringify(n)).join(", ")}; known scenarios: ${Object.keys(scenarios).join(", ")}.`);
    console.error("Usage: npm run bench [-- <scenario>]");
    process.exitCode = 2;
    return;
  }
  const machine = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? "unknown", cpuCount: cpus().length };
  console.log(`Switchboard benchmarks · node ${machine.node} · ${machine.cpu} (${machine.cpuCount} CPUs)`);
  mkdirSync(resultsDir, { recursive: true });
  for (const name of names) {
    const started = performance.now();
    const result = await scenarios[name]!();
    const seconds = (performance.now() - started) / 1000;
    console.log(`\n${result.title} (${seconds.toFixed(1)} s)\n\n${table(result)}\n`);
    for (const note of result.notes) console.log(`- ${note}`);
    const file = join(resultsDir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ scenario: name, ...machine, seconds: Number(seconds.toFixed(1)), ...result.figures }, null, 2) + "\n");
    console.log(`\nwrote ${file}`);
  }
}

await main(process.argv.slice(2));
