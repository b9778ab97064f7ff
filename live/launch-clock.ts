// One clock per node for launch countdowns: a tick each whole second on a node-local topic, sent
// only while some page listens (pages subscribe only while a launch is scheduled).

import type { PubSub } from "../src/switchboard/index.ts";

export const CLOCK_TOPIC = "store:clock";
export const TICK = "tick";

export class LaunchClock {
  readonly #pubsub: PubSub;
  #timer: NodeJS.Timeout | null = null;

  constructor(pubsub: PubSub) {
    this.#pubsub = pubsub;
  }

  start(): void {
    if (this.#timer) return;
    const next = () => {
      // Aligned to the wall clock's seconds, so every page's countdown turns at the same moment.
      this.#timer = setTimeout(() => {
        if (this.#pubsub.subscriberCount(CLOCK_TOPIC) > 0) {
          this.#pubsub.deliverLocal({ topic: CLOCK_TOPIC, event: TICK, payload: Date.now() }, null);
        }
        next();
      }, 1000 - (Date.now() % 1000) + 5);
      this.#timer.unref();
    };
    next();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
