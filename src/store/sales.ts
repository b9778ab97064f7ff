// The sales meter: units sold per second over the last few minutes, in a ring of one-second
// buckets, and the total since the node started. Fed by the inventory's re-reads (SALES_TOPIC), so
// it counts sales from any source — checkout, simulator, CLI, other nodes — once each, on each node.

import type { Message, PubSub, Subscriber } from "../switchboard/pubsub.ts";
import { SALES_TOPIC, type Sales } from "./events.ts";

export interface SalesMeterOptions {
  /** Seconds kept (default 120). */
  readonly seconds?: number;
}

export class SalesMeter {
  /** How many seconds `series()` covers. */
  readonly seconds: number;
  readonly #pubsub: PubSub;
  readonly #subscriber: Subscriber = { deliver: (message) => this.#onSales(message) };
  /** Units sold in each second; `#stamps[i]` says which second (epoch seconds) slot i holds. */
  readonly #counts: Float64Array;
  readonly #stamps: Float64Array;
  #latest = -Infinity;
  #total = 0;
  #started = false;

  constructor(pubsub: PubSub, options: SalesMeterOptions = {}) {
    const seconds = options.seconds ?? 120;
    if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError(`seconds must be a whole number of at least 1; received ${seconds}`);
    this.seconds = seconds;
    this.#pubsub = pubsub;
    this.#counts = new Float64Array(seconds);
    this.#stamps = new Float64Array(seconds).fill(-1);
  }

  /** Starts counting what the inventory reports on SALES_TOPIC. */
  start(): this {
    if (!this.#started) this.#pubsub.subscribe(SALES_TOPIC, this.#subscriber);
    this.#started = true;
    return this;
  }

  stop(): void {
    if (this.#started) this.#pubsub.unsubscribe(SALES_TOPIC, this.#subscriber);
    this.#started = false;
  }

  /** Units sold since the meter started. */
  get total(): number {
    return this.#total;
  }

  /** Counts `units` sold at `at` (epoch ms). Seconds older than the window count in the total only. */
  record(units: number, at: number): void {
    if (!(units > 0) || !Number.isFinite(units) || !Number.isFinite(at)) return;
    this.#total += units;
    const second = Math.floor(at / 1000);
    if (second <= this.#latest - this.seconds) return;
    this.#latest = Math.max(this.#latest, second);
    const slot = mod(second, this.seconds);
    if (this.#stamps[slot] !== second) {
      this.#stamps[slot] = second;
      this.#counts[slot] = 0;
    }
    this.#counts[slot]! += units;
  }

  /** Units sold in each of the last `seconds` seconds up to `now` (epoch ms), oldest first. */
  series(now: number): number[] {
    const last = Math.floor(now / 1000);
    const out = new Array<number>(this.seconds);
    for (let i = 0; i < this.seconds; i++) {
      const second = last - this.seconds + 1 + i;
      const slot = mod(second, this.seconds);
      out[i] = this.#stamps[slot] === second ? this.#counts[slot]! : 0;
    }
    return out;
  }

  #onSales(message: Message): void {
    const sales = message.payload as Partial<Sales> | null;
    const units = Number(sales?.units);
    const at = typeof sales?.at === "number" ? sales.at : Date.now();
    if (Number.isInteger(units)) this.record(units, at);
  }
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}
