// What the cluster adapters share: checking their options, the backoff between reconnect attempts,
// and the report of broadcasts dropped because the engine could not take them (at most once).

import type { Logger } from "./endpoint.ts";
import { describe, sbError } from "./errors.ts";

/** Options every cluster adapter takes. */
export interface LinkOptions {
  /** The engine's URL (postgres://…, redis://…). */
  url: string;
  /**
   * Names this deployment's channels; nodes with the same prefix hear each other and no one else.
   * Letters, digits and _ (1 to 40), so that it is a valid PostgreSQL identifier (default "switchboard").
   */
  prefix?: string;
  /** Longest wait between two reconnect attempts, in ms (default 2000). */
  maxBackoffMs?: number;
  /**
   * Most characters of broadcasts waiting for the engine (queued, or sent and not yet answered);
   * beyond it broadcasts are dropped and counted, so a slow or absent engine costs bounded memory
   * (default 16 Mi).
   */
  maxQueueSize?: number;
}

export interface Link {
  readonly url: string;
  readonly prefix: string;
  readonly maxBackoffMs: number;
  readonly maxQueueSize: number;
}

/** Checks the options when the adapter is built, so that misuse throws before anything connects. */
export function checkLinkOptions(factory: string, options: LinkOptions): Link {
  const { url, prefix = "switchboard", maxBackoffMs = 2000 } = options ?? ({} as LinkOptions);
  if (typeof url !== "string" || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw sbError("SB_ERR_PUBSUB_OPTION", `${factory}({ url })`, "a URL such as postgres://host/db or redis://host:6379", describe(url));
  }
  if (typeof prefix !== "string" || !/^[A-Za-z0-9_]{1,40}$/.test(prefix)) {
    throw sbError("SB_ERR_PUBSUB_OPTION", `${factory}({ prefix })`, "1 to 40 letters, digits or _", describe(prefix));
  }
  if (typeof maxBackoffMs !== "number" || !(maxBackoffMs >= 10)) {
    throw sbError("SB_ERR_PUBSUB_OPTION", `${factory}({ maxBackoffMs })`, "a number of milliseconds of at least 10", describe(maxBackoffMs));
  }
  const maxQueueSize = checkBound(factory, "maxQueueSize", options.maxQueueSize, 16 << 20);
  return { url, prefix, maxBackoffMs, maxQueueSize };
}

/** Checks a positive whole-number option (a bound on memory). */
export function checkBound(factory: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw sbError("SB_ERR_PUBSUB_OPTION", `${factory}({ ${name} })`, "a positive whole number", describe(value));
  }
  return value;
}

/** Wait before reconnect attempt `attempt` (1, 2, …): 100 ms doubling up to `capMs`, with jitter so
 * that the nodes of a cluster do not all knock at once. */
export function reconnectDelay(attempt: number, capMs: number): number {
  const base = Math.min(capMs, 100 * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
  return Math.round(base * (0.75 + Math.random() * 0.25));
}

/**
 * Counts broadcasts that could not be handed to the engine (link down, bound reached): the first of
 * a run is logged at once, and the run's total once sending works again, so an outage costs two
 * log lines however many broadcasts it swallows.
 */
export class DropReport {
  readonly #log: Logger;
  readonly #adapter: string;
  #dropped = 0;

  constructor(log: Logger, adapter: string) {
    this.#log = log;
    this.#adapter = adapter;
  }

  drop(count: number, why: string, error?: unknown): void {
    if (this.#dropped === 0) {
      this.#log.warn({ code: "SB_ERR_PUBSUB_DROPPED", adapter: this.#adapter, why, err: error }, "dropping broadcasts to the other nodes until the link is back");
    }
    this.#dropped += count;
  }

  /** Sending works (again). */
  sent(): void {
    if (this.#dropped === 0) return;
    this.#log.warn({ code: "SB_ERR_PUBSUB_DROPPED", adapter: this.#adapter, dropped: this.#dropped }, `${this.#dropped} broadcast(s) did not reach the other nodes; sending works again`);
    this.#dropped = 0;
  }
}
