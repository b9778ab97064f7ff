// The cluster adapter on PostgreSQL LISTEN/NOTIFY: every topic travels on ONE channel (the prefix),
// heard by one listening connection per node, and sent by one more; a message over NOTIFY's 8000
// bytes is cut into frames sent in one transaction (see notify-frames.ts) and joined on receipt.
//
// Chunking rather than store-and-reference: it needs no table (the framework owns no schema), no
// cleanup, and one round trip. Frames of one message are sent in a single statement, so they commit
// together and arrive contiguous and in order. One sending connection with one statement in flight
// keeps each sender's messages in order; broadcasts made meanwhile queue (up to maxQueueSize) and
// go as the next statement. The listening connection is our own postgres.js client rather than
// sql.listen(), whose connection re-listens by itself but hides the drop we must report.

import postgres from "postgres";
import type { AdapterHost, ClusterAdapter } from "./cluster-adapter.ts";
import { checkBound, checkLinkOptions, DropReport, reconnectDelay, type LinkOptions } from "./cluster-link.ts";
import { parseFrame, Reassembler, toFrames } from "./notify-frames.ts";
import { randomId } from "./token.ts";

export interface PostgresAdapterOptions extends LinkOptions {
  /** How long the frames of a chunked message may take to arrive (default 10 s). */
  reassemblyTimeoutMs?: number;
}

/** Characters of frames sent in one statement, at most (a single larger message goes alone). */
const BATCH_SIZE = 1 << 20;
const noop = () => {};

export function postgresAdapter(options: PostgresAdapterOptions): ClusterAdapter {
  return new PostgresAdapter(options);
}

class PostgresAdapter implements ClusterAdapter {
  readonly name = "postgres";
  readonly #link;
  readonly #reassemblyTimeoutMs: number;
  /** Starts every frame id this node sends, so that it can skip its own notifications at once. */
  readonly #instance = randomId(6);
  #sequence = 0;
  #host: AdapterHost | null = null;
  #listener: postgres.Sql | null = null;
  #sender: postgres.Sql | null = null;
  #reassembler: Reassembler | null = null;
  #drops: DropReport | null = null;
  #listening = false;
  #stopping = false;
  #attempt = 0;
  #retry: NodeJS.Timeout | null = null;
  /** Messages waiting to be sent, each as its frames and their total length. */
  #queue: { frames: string[]; size: number }[] = [];
  #queued = 0;
  #sending: Promise<void> | null = null;

  constructor(options: PostgresAdapterOptions) {
    this.#link = checkLinkOptions("postgresAdapter", options);
    this.#reassemblyTimeoutMs = checkBound("postgresAdapter", "reassemblyTimeoutMs", options.reassemblyTimeoutMs, 10_000);
  }

  async start(host: AdapterHost): Promise<void> {
    this.#host = host;
    this.#drops = new DropReport(host.log, this.name);
    this.#reassembler = new Reassembler({
      timeoutMs: this.#reassemblyTimeoutMs,
      maxPending: 256,
      maxSize: this.#link.maxQueueSize,
      onDrop: (id, why) => host.log.warn({ code: "SB_ERR_PUBSUB_ENVELOPE", adapter: this.name, id, why }, "dropped an incomplete message from the cluster"),
    });
    const client = (role: string): postgres.Options<{}> => ({
      onnotice: noop,
      fetch_types: false,
      connect_timeout: 5,
      connection: { application_name: `${this.#link.prefix}:${role}:${host.node}`.slice(0, 63) },
    });
    this.#listener = postgres(this.#link.url, {
      ...client("listen"),
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      // postgres.js waits this long (from the close) before reconnecting; our own timer does the backoff.
      backoff: () => 0.05,
      onclose: () => this.#closed(),
      // Not in postgres.js's types, but what its own sql.listen() uses: each NotificationResponse.
      onnotify: (channel: string, payload: string) => this.#notified(channel, payload),
    } as postgres.Options<{}>);
    this.#sender = postgres(this.#link.url, { ...client("notify"), max: 1 });
    try {
      await this.#listen();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  publish(_topic: string, data: string): void {
    if (!this.#sender || this.#stopping) return;
    const frames = toFrames(`${this.#instance}.${(this.#sequence++).toString(36)}`, data);
    let size = 0;
    for (const frame of frames) size += frame.length;
    if (this.#queued + size > this.#link.maxQueueSize) {
      this.#drops!.drop(1, `more than ${this.#link.maxQueueSize} characters are waiting to be sent`);
      return;
    }
    this.#queue.push({ frames, size });
    this.#queued += size;
    this.#sending ??= this.#send();
  }

  /** Every topic shares the one channel: nothing to subscribe (PubSub ignores topics it lacks). */
  listen(): void {}
  unlisten(): void {}

  async flush(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    this.#listening = false;
    this.#queue = [];
    this.#queued = 0;
    const clients = [this.#listener, this.#sender];
    this.#listener = this.#sender = null;
    // A short timeout: after an outage end() can wait its whole timeout (porsager/postgres#1130).
    await Promise.all(clients.map((sql) => sql?.end({ timeout: 1 }).catch(noop)));
  }

  async #listen(): Promise<void> {
    await this.#listener!.unsafe(`listen "${this.#link.prefix}"`);
    this.#listening = true;
    this.#attempt = 0;
  }

  /** postgres.js closed a connection of the listening client: the link is down until re-listened. */
  #closed(): void {
    if (this.#stopping || !this.#listening) return; // a failed reconnect attempt: its rejection retries
    this.#listening = false;
    this.#reassembler!.clear();
    this.#host!.interrupted(new Error(`the connection listening on "${this.#link.prefix}" closed`));
    this.#relisten();
  }

  #relisten(): void {
    this.#retry = setTimeout(async () => {
      this.#retry = null;
      try {
        await this.#listen();
        this.#host!.resumed();
      } catch (error) {
        if (this.#stopping) return;
        this.#host!.log.debug({ err: error, adapter: this.name, attempt: this.#attempt }, "could not listen again yet");
        this.#relisten();
      }
    }, reconnectDelay(++this.#attempt, this.#link.maxBackoffMs));
  }

  #notified(channel: string, payload: string): void {
    if (channel !== this.#link.prefix || payload.startsWith(`${this.#instance}.`)) return;
    const frame = parseFrame(payload);
    if (!frame) {
      this.#host!.log.warn({ code: "SB_ERR_PUBSUB_ENVELOPE", adapter: this.name, sample: payload.slice(0, 120) }, "dropped a message from the cluster that is not a broadcast frame");
      return;
    }
    const data = this.#reassembler!.add(frame);
    if (data !== null) this.#host!.receive(data);
  }

  /** Sends the queue, one statement at a time, until it is empty. */
  async #send(): Promise<void> {
    await null; // let the rest of this turn's broadcasts join the first statement
    while (this.#queue.length > 0 && this.#sender) {
      const batch: string[] = [];
      let size = 0;
      let messages = 0;
      while (this.#queue.length > 0 && (messages === 0 || size + this.#queue[0]!.size <= BATCH_SIZE)) {
        const message = this.#queue.shift()!;
        size += message.size;
        this.#queued -= message.size;
        messages++;
        for (const frame of message.frames) batch.push(frame);
      }
      try {
        const sql = this.#sender;
        // One statement is one transaction: all frames commit together, in this order.
        await sql`select pg_notify(${this.#link.prefix}, f) from json_array_elements_text(${sql.json(batch)}::json) with ordinality as t(f, i) order by i`;
        this.#drops!.sent();
      } catch (error) {
        if (!this.#stopping) this.#drops!.drop(messages, "PostgreSQL refused or could not take the NOTIFY", error);
      }
    }
    this.#sending = null;
  }
}
