// Counters and timings kept by the endpoint, readable as a snapshot and in Prometheus' text format.

export class Metrics {
  readonly #counters = new Map<string, number>();
  readonly #timings = new Map<string, { count: number; sum: number; max: number }>();

  count(name: string, by = 1): void {
    this.#counters.set(name, (this.#counters.get(name) ?? 0) + by);
  }

  /** Records a duration in milliseconds. */
  time(name: string, ms: number): void {
    let t = this.#timings.get(name);
    if (!t) this.#timings.set(name, (t = { count: 0, sum: 0, max: 0 }));
    t.count++;
    t.sum += ms;
    if (ms > t.max) t.max = ms;
  }

  counter(name: string): number {
    return this.#counters.get(name) ?? 0;
  }

  snapshot(): { counters: Record<string, number>; timings: Record<string, { count: number; sum: number; max: number }> } {
    return { counters: Object.fromEntries(this.#counters), timings: Object.fromEntries(this.#timings) };
  }

  /** The Prometheus text exposition of every counter and timing, plus gauges given by the caller. */
  toPrometheus(gauges: Record<string, number> = {}): string {
    const lines: string[] = [];
    for (const [name, value] of Object.entries(gauges)) lines.push(`# TYPE switchboard_${name} gauge`, `switchboard_${name} ${value}`);
    for (const [name, value] of this.#counters) lines.push(`# TYPE switchboard_${name}_total counter`, `switchboard_${name}_total ${value}`);
    for (const [name, t] of this.#timings) {
      lines.push(`# TYPE switchboard_${name}_ms summary`, `switchboard_${name}_ms_sum ${t.sum}`, `switchboard_${name}_ms_count ${t.count}`, `# TYPE switchboard_${name}_ms_max gauge`, `switchboard_${name}_ms_max ${t.max}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
