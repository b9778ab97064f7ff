// The cluster adapter on Redis pub/sub (ioredis): one publishing and ONE subscribing connection per
// node, a plain channel "<prefix>:<topic>" per topic, subscribed while the node has subscribers of
// it. Subscription changes made in one turn go as a few SUBSCRIBE/UNSUBSCRIBE commands.
//
// After a drop we resubscribe ourselves (autoResubscribe off): ioredis announces "ready" before
// its own resubscription is confirmed, and `resumed` must mean every topic is heard again. Nothing
// waits offline: a broadcast made while the publisher is down, or beyond `maxQueueSize` characters
// of unanswered PUBLISHes, is dropped and counted (at most once; pages re-read state on `resumed`).

import { Redis, type RedisOptions } from "ioredis";
import type { AdapterHost, ClusterAdapter } from "./cluster-adapter.ts";
import { checkLinkOptions, DropReport, reconnectDelay, type LinkOptions } from "./cluster-link.ts";

export type RedisAdapterOptions = LinkOptions;

/** Channels named in one SUBSCRIBE or UNSUBSCRIBE command, at most. */
const CHANNELS_PER_COMMAND = 1000;

export function redisAdapter(options: RedisAdapterOptions): ClusterAdapter {
  return new RedisAdapter(options);
}

class RedisAdapter implements ClusterAdapter {
  readonly name = "redis";
  readonly #link;
  readonly #channelPrefix: string;
  #host: AdapterHost | null = null;
  #publisher: Redis | null = null;
  #subscriber: Redis | null = null;
  #drops: DropReport | null = null;
  /** "connecting" until start() resolves; then "up", or "down" from a drop until resubscribed. */
  #state: "connecting" | "up" | "down" = "connecting";
  #stopping = false;
  #lastError: unknown = null;
  /** Topics this node has subscribers of (what Redis should hear for us). */
  readonly #wanted = new Set<string>();
  /** Topics the subscriber connection has asked Redis for. */
  #subscribed = new Set<string>();
  /** Topics listened or unlistened since the last sync. */
  readonly #dirty = new Set<string>();
  #syncScheduled = false;
  /** Commands sent and not yet answered (PUBLISH, SUBSCRIBE, UNSUBSCRIBE). */
  #pending = 0;
  /** Characters of the PUBLISHes among them. */
  #pendingSize = 0;
  #idle: (() => void)[] = [];

  constructor(options: RedisAdapterOptions) {
    this.#link = checkLinkOptions("redisAdapter", options);
    this.#channelPrefix = `${this.#link.prefix}:`;
  }

  async start(host: AdapterHost): Promise<void> {
    this.#host = host;
    this.#drops = new DropReport(host.log, this.name);
    const name = `${this.#link.prefix}:${host.node.replace(/[^\w.:-]/g, "_")}`;
    this.#publisher = this.#client(`${name}:pub`, { enableAutoPipelining: true });
    this.#subscriber = this.#client(`${name}:sub`, { autoResubscribe: false });
    this.#subscriber.on("message", (channel: string, message: string) => {
      if (channel.startsWith(this.#channelPrefix)) host.receive(message);
    });
    this.#subscriber.on("close", () => this.#closed());
    this.#subscriber.on("ready", () => void this.#resubscribe());
    try {
      await Promise.all([this.#publisher.connect(), this.#subscriber.connect()]);
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.#state = "up";
  }

  publish(topic: string, data: string): void {
    const publisher = this.#publisher;
    if (!publisher || this.#stopping) return;
    if (publisher.status !== "ready") return this.#drops!.drop(1, `the publishing connection is ${publisher.status}`, this.#lastError);
    const size = data.length;
    if (this.#pendingSize + size > this.#link.maxQueueSize) return this.#drops!.drop(1, `more than ${this.#link.maxQueueSize} characters are waiting for Redis`);
    this.#pendingSize += size;
    this.#track(publisher.publish(this.#channelPrefix + topic, data)).then(
      () => {
        this.#pendingSize -= size;
        this.#drops!.sent();
      },
      (error) => {
        this.#pendingSize -= size;
        this.#drops!.drop(1, "Redis did not take the PUBLISH", error);
      },
    );
  }

  listen(topic: string): void {
    this.#wanted.add(topic);
    this.#changed(topic);
  }

  unlisten(topic: string): void {
    this.#wanted.delete(topic);
    this.#changed(topic);
  }

  /** Resolves once every PUBLISH and subscription change so far has been answered by Redis. */
  flush(): Promise<void> {
    if (this.#syncScheduled) this.#sync();
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const clients = [this.#publisher, this.#subscriber];
    this.#publisher = this.#subscriber = null;
    await Promise.all(clients.map((client) => client && quit(client)));
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #client(connectionName: string, options: RedisOptions): Redis {
    const client = new Redis(this.#link.url, {
      connectionName,
      lazyConnect: true,
      connectTimeout: 5000,
      retryStrategy: (attempt) => reconnectDelay(attempt, this.#link.maxBackoffMs),
      // Nothing waits offline or is sent twice: at most once, with a bound on memory.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // disconnect() after a failed connect ends a socket that already closed, and then waits this
      // long before destroying it, holding the process open (ioredis#1318 added the timer).
      disconnectTimeout: 200,
      ...options,
    });
    client.on("error", (error: unknown) => {
      this.#lastError = error;
      this.#host?.log.debug({ err: error, adapter: this.name, connection: connectionName }, "Redis connection error");
    });
    return client;
  }

  #closed(): void {
    if (this.#stopping || this.#state !== "up") return;
    this.#state = "down";
    this.#host!.interrupted(this.#lastError ?? new Error("the Redis subscriber connection closed"));
  }

  /** The subscriber connection is (again) ready: ask for every wanted topic, then say so. */
  async #resubscribe(): Promise<void> {
    if (this.#stopping) return;
    this.#subscribed = new Set(this.#wanted);
    this.#dirty.clear();
    try {
      await Promise.all(batches(this.#channelPrefix, [...this.#wanted]).map((channels) => this.#track(this.#subscriber!.subscribe(...channels))));
    } catch (error) {
      this.#host!.log.debug({ err: error, adapter: this.name }, "could not subscribe again yet");
      return; // the connection dropped again; its next "ready" retries
    }
    if (this.#stopping || this.#state !== "down") return; // on the first connect, start() resolves
    this.#state = "up";
    this.#host!.resumed();
  }

  #changed(topic: string): void {
    this.#dirty.add(topic);
    if (this.#syncScheduled) return;
    this.#syncScheduled = true;
    queueMicrotask(() => {
      if (this.#syncScheduled) this.#sync();
    });
  }

  /** Sends this turn's subscription changes; while down, the next "ready" resubscribes instead. */
  #sync(): void {
    this.#syncScheduled = false;
    const subscriber = this.#subscriber;
    if (!subscriber || subscriber.status !== "ready") {
      this.#dirty.clear();
      return;
    }
    const add: string[] = [];
    const remove: string[] = [];
    for (const topic of this.#dirty) {
      const wanted = this.#wanted.has(topic);
      if (wanted === this.#subscribed.has(topic)) continue;
      if (wanted) this.#subscribed.add(topic), add.push(topic);
      else this.#subscribed.delete(topic), remove.push(topic);
    }
    this.#dirty.clear();
    for (const channels of batches(this.#channelPrefix, add)) {
      this.#track(subscriber.subscribe(...channels)).catch((error) => {
        for (const channel of channels) this.#subscribed.delete(channel.slice(this.#channelPrefix.length));
        this.#host!.log.debug({ err: error, adapter: this.name }, "SUBSCRIBE failed; the next ready resubscribes");
      });
    }
    for (const channels of batches(this.#channelPrefix, remove)) {
      this.#track(subscriber.unsubscribe(...channels)).catch(() => {}); // a dropped link unsubscribes anyway
    }
  }

  /** Counts a command until Redis answers it, for flush(). */
  #track<T>(command: Promise<T>): Promise<T> {
    this.#pending++;
    const settled = () => {
      if (--this.#pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
    };
    command.then(settled, settled);
    return command;
  }
}

/** The channels of `topics`, a command's worth at a time. */
function batches(prefix: string, topics: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < topics.length; i += CHANNELS_PER_COMMAND) out.push(topics.slice(i, i + CHANNELS_PER_COMMAND).map((topic) => prefix + topic));
  return out;
}

/** QUIT politely when connected, else (or if Redis does not answer soon) just disconnect. */
async function quit(client: Redis): Promise<void> {
  if (client.status === "ready") {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([client.quit().catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
  }
  client.disconnect();
}
