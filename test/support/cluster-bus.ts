// An in-process cluster for tests: a Bus links several PubSubs through BusAdapters (ClusterAdapter),
// passing each envelope on asynchronously (a timer, so fake timers drive it) to every node that
// listens on its topic, the sender included, as Redis and PostgreSQL do. A test can drop messages,
// cut a node off (an outage: interrupted, then resumed) or kill it (it vanishes without a word).

import type { AdapterHost, ClusterAdapter } from "../../src/switchboard/cluster-adapter.ts";

export interface Sent {
  readonly from: string;
  readonly topic: string;
  readonly data: string;
}

export class Bus {
  readonly #adapters = new Set<BusAdapter>();
  /** Every envelope published on the bus, in order (including those lost or dropped). */
  readonly sent: Sent[] = [];
  /** Decides, per envelope and receiver, to lose it (at-most-once delivery). */
  drop: ((sent: Sent, to: string) => boolean) | null = null;

  adapter(): BusAdapter {
    return new BusAdapter(this);
  }

  join(adapter: BusAdapter): void {
    this.#adapters.add(adapter);
  }

  leave(adapter: BusAdapter): void {
    this.#adapters.delete(adapter);
  }

  /** The envelopes sent on `topic` with `event`, parsed: [node, topic, event, payload]. */
  messages(topic: string, event?: string): [string, string, string, unknown][] {
    return this.sent
      .filter((sent) => sent.topic === topic)
      .map((sent) => JSON.parse(sent.data) as [string, string, string, unknown])
      .filter(([, , e]) => event === undefined || e === event);
  }

  send(from: BusAdapter, topic: string, data: string): void {
    const sent = { from: from.node, topic, data };
    this.sent.push(sent);
    if (from.isCut) return;
    for (const to of this.#adapters) {
      if (to.isCut || !to.listens(topic) || this.drop?.(sent, to.node)) continue;
      setTimeout(() => to.hear(data), 0);
    }
  }
}

export class BusAdapter implements ClusterAdapter {
  readonly name = "bus";
  readonly #bus: Bus;
  readonly #topics = new Set<string>();
  #host: AdapterHost | null = null;
  #cut = false;
  #dead = false;

  constructor(bus: Bus) {
    this.#bus = bus;
  }

  get node(): string {
    return this.#host?.node ?? "";
  }

  get isCut(): boolean {
    return this.#cut || this.#dead;
  }

  async start(host: AdapterHost): Promise<void> {
    this.#host = host;
    this.#bus.join(this);
  }

  publish(topic: string, data: string): void {
    this.#bus.send(this, topic, data);
  }

  listen(topic: string): void {
    this.#topics.add(topic);
  }

  unlisten(topic: string): void {
    this.#topics.delete(topic);
  }

  listens(topic: string): boolean {
    return this.#topics.has(topic);
  }

  async flush(): Promise<void> {}

  async stop(): Promise<void> {
    this.#bus.leave(this);
  }

  /** Hands an envelope to the PubSub, as the engine would (tests inject raw ones through it). */
  hear(data: string): void {
    if (!this.#cut && !this.#dead) this.#host?.receive(data);
  }

  /** An outage: nothing goes out or comes in until heal(). */
  cut(): void {
    this.#cut = true;
    this.#host?.interrupted(new Error("cut off the bus"));
  }

  heal(): void {
    this.#cut = false;
    this.#host?.resumed();
  }

  /** The node is gone (SIGKILL): it hears and says nothing more, and says no goodbye. */
  kill(): void {
    this.#dead = true;
    this.#bus.leave(this);
  }
}
