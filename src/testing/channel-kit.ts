// The channel test kit: connect to the endpoint in memory, join topics, push messages and assert
// on replies, pushes and broadcasts, with the same frames a websocket client would exchange.

import type { FastifyInstance } from "fastify";
import { isDeepStrictEqual } from "node:util";
import { sbError, type SwitchboardError } from "../switchboard/errors.ts";
import type { Message, Subscriber } from "../switchboard/pubsub.ts";
import { MemorySocket, type Frame, type Reply } from "./memory-socket.ts";
import { booted } from "./live.ts";
import { crashError, refused } from "./outcome.ts";

// Captured before any test installs fake timers, so waits keep their real time-outs.
const { setTimeout: realSetTimeout, clearTimeout: realClearTimeout } = globalThis;

/** True when `actual` has every key of `expected` with deeply equal values (recursively for objects). */
export function matches(actual: unknown, expected: unknown): boolean {
  if (expected === undefined) return true;
  if (typeof expected !== "object" || expected === null || Array.isArray(expected)) return isDeepStrictEqual(actual, expected);
  if (typeof actual !== "object" || actual === null) return false;
  return Object.entries(expected).every(([key, value]) => matches((actual as Record<string, unknown>)[key], value));
}

/** Records messages as they arrive and lets a test wait for the first that matches. */
class Inbox<T> {
  readonly items: T[] = [];
  readonly #waiting = new Set<{ test: (item: T) => boolean; resolve: (item: T) => void }>();

  add(item: T): void {
    for (const waiter of this.#waiting) {
      if (waiter.test(item)) {
        this.#waiting.delete(waiter);
        return waiter.resolve(item);
      }
    }
    this.items.push(item);
  }

  take(test: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const index = this.items.findIndex(test);
    if (index >= 0) return Promise.resolve(this.items.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve: (item: T) => (realClearTimeout(timer), resolve(item)) };
      const timer = realSetTimeout(() => {
        this.#waiting.delete(waiter);
        reject(sbError("SB_ERR_TEST_TIMEOUT", what, timeoutMs));
      }, timeoutMs);
      this.#waiting.add(waiter);
    });
  }

  async refute(test: (item: T) => boolean, withinMs: number, what: string): Promise<void> {
    const found = await this.take(test, withinMs, what).then(
      (item) => item,
      () => null,
    );
    if (found !== null) throw sbError("SB_ERR_TEST_ASSERTION", `no ${what}`, JSON.stringify(found));
  }
}

export class PushResult {
  readonly reply: Promise<Reply>;

  constructor(reply: Promise<Reply>) {
    this.reply = reply;
  }

  /** The reply, within `timeoutMs`, had this status and a response containing `payload` (a partial match). */
  async assertReply(status: "ok" | "error", payload?: unknown, timeoutMs = 1000): Promise<Reply> {
    let timer: ReturnType<typeof realSetTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = realSetTimeout(() => reject(sbError("SB_ERR_TEST_TIMEOUT", `a reply ${status}`, timeoutMs)), timeoutMs);
    });
    const reply = await Promise.race([this.reply, late]).finally(() => realClearTimeout(timer));
    if (reply.status !== status || !matches(reply.response, payload)) {
      throw sbError("SB_ERR_TEST_ASSERTION", `a reply ${status} ${payload === undefined ? "" : JSON.stringify(payload)}`.trim(), `${reply.status} ${JSON.stringify(reply.response)}`);
    }
    return reply;
  }
}

export class TestChannel {
  readonly socket: TestSocket;
  readonly topic: string;
  readonly joinRef: string;
  readonly pushes = new Inbox<{ event: string; payload: unknown }>();
  readonly broadcasts = new Inbox<Message>();
  /** The server's error, once the channel crashed (SB_ERR_TEST_VIEW_CRASHED). */
  crash: SwitchboardError | null = null;
  readonly #subscriber: Subscriber;
  readonly #waiting = new Set<(error: Error) => void>();
  readonly #detach: (() => void)[];

  constructor(socket: TestSocket, topic: string, joinRef: string) {
    this.socket = socket;
    this.topic = topic;
    this.joinRef = joinRef;
    // Like a test process subscribed to the topic: every broadcast on it is recorded.
    this.#subscriber = { deliver: (message) => this.broadcasts.add(message) };
    socket.memory.endpoint.pubsub.subscribe(topic, this.#subscriber);
    this.#detach = [
      socket.memory.on(topic, ([, , , event, payload]: Frame) => this.pushes.add({ event, payload })),
      socket.memory.onCrash(topic, (error) => {
        this.crash = crashError(topic, error);
        for (const reject of this.#waiting) reject(this.crash);
      }),
    ];
  }

  /** Sends `event`; the result's assertReply checks the reply. A crash of the channel rejects it with SB_ERR_TEST_VIEW_CRASHED. */
  push(event: string, payload: Record<string, unknown> = {}): PushResult {
    const memory = this.socket.memory;
    return new PushResult(this.#request(() => memory.request([this.joinRef, memory.ref(), this.topic, event, payload])));
  }

  /** Resolves with the join's reply (used by TestSocket). */
  request(send: () => Promise<Reply>): Promise<Reply> {
    return this.#request(send);
  }

  #request(send: () => Promise<Reply>): Promise<Reply> {
    if (this.crash) return Promise.reject(this.crash);
    return new Promise((resolve, reject) => {
      this.#waiting.add(reject);
      send().then(
        (reply) => (this.#waiting.delete(reject), resolve(reply)),
        (error) => (this.#waiting.delete(reject), reject(error)),
      );
    });
  }

  /** The channel pushed `event` to this client (with `payload`, partially matched), within `timeoutMs`. */
  async assertPush(event: string, payload?: unknown, timeoutMs = 100): Promise<unknown> {
    const push = await this.pushes.take((p) => p.event === event && matches(p.payload, payload), timeoutMs, `a push ${event}`);
    return push.payload;
  }

  /** No such push arrives within `withinMs`. */
  refutePush(event: string, payload?: unknown, withinMs = 50): Promise<void> {
    return this.pushes.refute((p) => p.event === event && matches(p.payload, payload), withinMs, `push ${event}`);
  }

  /** A broadcast of `event` on this topic (from anyone), within `timeoutMs`. */
  async assertBroadcast(event: string, payload?: unknown, timeoutMs = 100): Promise<unknown> {
    const message = await this.broadcasts.take((m) => m.event === event && matches(m.payload, payload), timeoutMs, `a broadcast ${event} on ${this.topic}`);
    return message.payload;
  }

  /** Leaves the topic (phx_leave); the channel's terminate runs on the server. */
  leave(): PushResult {
    const result = this.push("phx_leave");
    this.dispose();
    return result;
  }

  /** Stops recording pushes and broadcasts for this topic. */
  dispose(): void {
    this.socket.memory.endpoint.pubsub.unsubscribe(this.topic, this.#subscriber);
    for (const detach of this.#detach.splice(0)) detach();
  }
}

export class TestSocket {
  readonly memory: MemorySocket;
  readonly #channels = new Set<TestChannel>();

  constructor(memory: MemorySocket) {
    this.memory = memory;
  }

  /** Joins `topic`; resolves with the reply and the channel (rejects with SB_ERR_TEST_REFUSED on an error reply). */
  async join(topic: string, payload: Record<string, unknown> = {}): Promise<{ reply: unknown; channel: TestChannel }> {
    const result = await this.tryJoin(topic, payload);
    if (result.status !== "ok") throw refused(`the join of ${topic}`, result.reply);
    return { reply: result.reply, channel: result.channel };
  }

  /** Joins `topic` and resolves with whatever the reply was, refused or not (a refused channel records nothing). */
  async tryJoin(topic: string, payload: Record<string, unknown> = {}): Promise<{ status: "ok" | "error"; reply: unknown; channel: TestChannel }> {
    const memory = this.memory;
    const joinRef = memory.ref();
    const channel = new TestChannel(this, topic, joinRef);
    this.#channels.add(channel);
    const reply = await channel.request(() => memory.request([joinRef, joinRef, topic, "phx_join", payload]));
    if (reply.status !== "ok") channel.dispose();
    return { status: reply.status, reply: reply.response, channel };
  }

  /** Closes the connection: every channel on it ends. */
  close(): void {
    for (const channel of this.#channels) channel.dispose();
    this.memory.close();
  }
}

/** Connects to the app's endpoint in memory, through its connect hook with these params; rejects with SB_ERR_TEST_REFUSED if the hook refuses. */
export async function connect(app: FastifyInstance, params: Record<string, string> = {}, options: { cookies?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<TestSocket> {
  await booted(app);
  return new TestSocket(await MemorySocket.open(app.switchboard, { params, ...options }));
}
