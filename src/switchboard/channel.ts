// Channels: the public API for JSON real-time topics (and the base every live view runs on).
// defineChannel() declares a topic pattern and callbacks; a ChannelProcess is one joined topic on
// one connection, with its own mailbox, subscriptions and assigns. Replies, stops and pushes are
// values and methods; nothing a handler does can reach another connection's processes.

import { sbError } from "./errors.ts";
import { encodeFrame } from "./frame.ts";
import { Mailbox } from "./mailbox.ts";
import { CLOSE, ERROR, REPLY, type Frame } from "./protocol.ts";
import type { Presence } from "./presence.ts";
import type { Message, PubSub, Subscriber } from "./pubsub.ts";
import type { Connection } from "./connection.ts";

export type ReplyStatus = "ok" | "error";

/** What a join or handleIn may return to answer the client. */
export class Reply {
  readonly status: ReplyStatus;
  readonly response: Record<string, unknown>;

  constructor(status: ReplyStatus, response: Record<string, unknown>) {
    this.status = status;
    this.response = response;
  }
}

/** Returned from handleIn: end the channel (after sending `reply`, if any). */
export class Stop {
  readonly reason: string;
  readonly reply: Reply | null;

  constructor(reason: string, reply: Reply | null) {
    this.reason = reason;
    this.reply = reply;
  }
}

export const reply = {
  ok: (response: Record<string, unknown> = {}) => new Reply("ok", response),
  error: (response: Record<string, unknown> = {}) => new Reply("error", response),
};

export function stop(reason = "normal", withReply: Reply | null = null): Stop {
  return new Stop(reason, withReply);
}

export type HandleInResult = Reply | Stop | void | undefined;

export interface ChannelSocket<A extends Record<string, unknown> = Record<string, unknown>> {
  readonly topic: string;
  /** The id given by the endpoint's connect hook, if any. */
  readonly socketId: string | null;
  /** Assigns from the connect hook, shared by all channels of the connection. */
  readonly connectAssigns: Readonly<Record<string, unknown>>;
  /** This channel's own state. */
  assigns: A;
  push(event: string, payload: Record<string, unknown>): void;
  /** To every subscriber of this channel's topic, this one included. */
  broadcast(event: string, payload: Record<string, unknown>): void;
  /** To every subscriber of this channel's topic but this one. */
  broadcastFrom(event: string, payload: Record<string, unknown>): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  readonly pubsub: PubSub;
  /** Tracks this channel's presence under `topic`/`key`; it ends with the channel. */
  track(topic: string, key: string, meta?: Record<string, unknown>): void;
  untrack(topic: string, key: string): void;
  readonly presence: Presence;
}

export interface ChannelDefinition<A extends Record<string, unknown> = Record<string, unknown>> {
  /** "room:lobby" for one topic, "room:*" for every topic with that prefix. */
  readonly topic: string;
  /** Broadcast events that pass through handleOut for each subscriber instead of going out as is. */
  readonly intercept?: readonly string[];
  join(topic: string, payload: Record<string, unknown>, socket: ChannelSocket<A>): Reply | void | Promise<Reply | void>;
  handleIn?(event: string, payload: Record<string, unknown>, socket: ChannelSocket<A>): HandleInResult | Promise<HandleInResult>;
  handleInfo?(message: Message, socket: ChannelSocket<A>): void | Promise<void>;
  /** For intercepted broadcasts: push (or not) what this subscriber should see. */
  handleOut?(event: string, payload: Record<string, unknown>, socket: ChannelSocket<A>): void;
  terminate?(reason: string, socket: ChannelSocket<A>): void;
}

export function defineChannel<A extends Record<string, unknown>>(definition: ChannelDefinition<A>): ChannelDefinition<A> {
  if (typeof definition?.topic !== "string" || !/^[^*]+\*?$/.test(definition.topic)) {
    throw sbError("SB_ERR_CHANNEL_DEFINITION", `a topic pattern such as "room:lobby" or "room:*"`, JSON.stringify(definition?.topic));
  }
  if (typeof definition.join !== "function") {
    throw sbError("SB_ERR_CHANNEL_DEFINITION", "a join(topic, payload, socket) function", typeof definition.join);
  }
  if (definition.intercept?.length && typeof definition.handleOut !== "function") {
    throw sbError("SB_ERR_CHANNEL_DEFINITION", "handleOut() for the intercepted events", "none");
  }
  return definition;
}

const encoded = new WeakMap<Message, string>();
const NO_TOPICS: readonly string[] = [];

/** The broadcast's frame, encoded once however many subscribers send it. */
export function broadcastFrame(message: Message): string {
  let frame = encoded.get(message);
  if (frame === undefined) {
    frame = encodeFrame(null, null, message.topic, message.event, message.payload);
    encoded.set(message, frame);
  }
  return frame;
}

/**
 * One joined topic on one connection: the base of plain channels and live views. Subclasses
 * implement join, handleIn, handleInfo and terminate; this class owns the mailbox, the
 * subscriptions and the frames.
 */
export abstract class ChannelProcess implements Subscriber {
  readonly topic: string;
  readonly joinRef: string | null;
  readonly connection: Connection;
  readonly mailbox: Mailbox;
  /** Topics this process follows: a few, in an array copied on change (~0.1 KB less than a Set). */
  #subscriptions: readonly string[] = NO_TOPICS;
  joined = false;
  #ended = false;

  constructor(connection: Connection, topic: string, joinRef: string | null) {
    this.connection = connection;
    this.topic = topic;
    this.joinRef = joinRef;
    this.mailbox = new Mailbox((error) => this.crash(error));
  }

  get ended(): boolean {
    return this.#ended;
  }

  get subscriptions(): readonly string[] {
    return this.#subscriptions;
  }

  get pubsub(): PubSub {
    return this.connection.endpoint.pubsub;
  }

  abstract join(payload: Record<string, unknown>, ref: string | null): unknown;
  abstract handleIn(event: string, payload: Record<string, unknown>, ref: string | null): unknown;
  abstract handleInfo(message: Message): unknown;
  abstract terminate(reason: string): void;
  /** What to call this process in logs. */
  abstract describe(): Record<string, unknown>;

  deliver(message: Message): void {
    this.mailbox.push(() => this.handleInfo(message));
  }

  /** A frame from the client for this topic. */
  receive(frame: Frame): void {
    const [, ref, , event, payload] = frame;
    this.mailbox.push(() => this.handleIn(event, payload, ref));
  }

  subscribe(topic: string): void {
    if (this.#ended || this.#subscriptions.includes(topic)) return;
    // concat sizes the array exactly (a push would leave room for 16 more).
    this.#subscriptions = this.#subscriptions.concat([topic]);
    this.pubsub.subscribe(topic, this);
  }

  unsubscribe(topic: string): void {
    const at = this.#subscriptions.indexOf(topic);
    if (at < 0) return;
    this.#subscriptions = this.#subscriptions.slice(0, at).concat(this.#subscriptions.slice(at + 1));
    this.pubsub.unsubscribe(topic, this);
  }

  push(event: string, payload: unknown): void {
    if (this.#ended) return;
    this.connection.send(encodeFrame(this.joinRef, null, this.topic, event, payload));
  }

  reply(ref: string | null, status: ReplyStatus, response: unknown): void {
    if (this.#ended && status === "ok") return;
    this.connection.send(encodeFrame(this.joinRef, ref, this.topic, REPLY, { status, response }));
  }

  /** Ends the process: the client is told with phx_close (normal) or phx_error (crash). */
  end(reason: string, notify: "close" | "error" | "none"): void {
    if (this.#ended) return;
    this.#ended = true;
    this.mailbox.close();
    for (const topic of this.#subscriptions) this.pubsub.unsubscribe(topic, this);
    this.#subscriptions = NO_TOPICS;
    this.connection.endpoint.presence.untrackAll(this);
    try {
      this.terminate(reason);
    } catch (error) {
      this.connection.endpoint.log.error({ err: error, ...this.describe() }, "terminate failed");
    }
    this.connection.forget(this);
    if (notify !== "none") this.connection.send(encodeFrame(this.joinRef, this.joinRef, this.topic, notify === "close" ? CLOSE : ERROR, {}));
  }

  crash(error: unknown): void {
    if (this.#ended) return;
    const code = (error as { code?: string })?.code ?? "SB_ERR_CHANNEL_CRASHED";
    this.connection.endpoint.log.error({ err: error, code, ...this.describe() }, "channel crashed");
    this.connection.endpoint.reportCrash(this.topic, error, this.connection);
    this.end("crash", "error");
  }
}
