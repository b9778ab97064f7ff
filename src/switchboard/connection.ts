// One client connection (a websocket, a long-poll session or the test harness's in-memory pipe):
// decodes frames, answers heartbeats, rate-limits, routes each frame to the process joined on its
// topic, and ends every process when the connection goes away. Nothing a peer sends can throw out
// of receive(): each fault becomes an error reply, an error message, or a clean close.

import type { ChannelProcess } from "./channel.ts";
import type { Endpoint } from "./endpoint.ts";
import { decodeFrame, encodeFrame, isFault } from "./frame.ts";
import { ERROR, HEARTBEAT, JOIN, LEAVE, PHOENIX_TOPIC, REPLY, type Frame } from "./protocol.ts";
import type { Message, Subscriber } from "./pubsub.ts";

/** What carries frames to and from the client. */
export interface Transport {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/**
 * What the server knew about the client when it connected. The connect hook sees all of it; the
 * connection keeps only what joins need later (origin, cookies, address), not the headers.
 */
export interface ConnectInfo {
  readonly origin: string | null;
  readonly cookies: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly remoteAddress: string | null;
}

/** Close codes this server uses (RFC 6455 and the 4000 private range). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  idle: 4000,
  disconnected: 4001,
} as const;

const NO_HEADERS: ConnectInfo["headers"] = Object.freeze({});
const NO_PROCESSES: readonly ChannelProcess[] = [];

export class Connection implements Subscriber {
  readonly endpoint: Endpoint;
  readonly transport: Transport;
  readonly info: ConnectInfo;
  readonly socketId: string | null;
  readonly assigns: Readonly<Record<string, unknown>>;
  /** Processes joined on this connection: a few, in an array copied on change (~0.1 KB less than a Map). */
  #processes: readonly ChannelProcess[] = NO_PROCESSES;
  lastSeen = Date.now();
  #tokens: number;
  #refilled = Date.now();
  #refused = 0;
  #closed = false;

  constructor(endpoint: Endpoint, transport: Transport, info: ConnectInfo, socketId: string | null, assigns: Record<string, unknown>) {
    this.endpoint = endpoint;
    this.transport = transport;
    this.info = { origin: info.origin, cookies: info.cookies, headers: NO_HEADERS, remoteAddress: info.remoteAddress };
    this.socketId = socketId;
    this.assigns = assigns;
    this.#tokens = endpoint.limits.burst;
    if (socketId !== null) endpoint.pubsub.subscribe(socketTopic(socketId), this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Processes joined on this connection, by topic (a new map each time). */
  get processes(): ReadonlyMap<string, ChannelProcess> {
    return new Map(this.#processes.map((process) => [process.topic, process]));
  }

  #joined(topic: string): ChannelProcess | undefined {
    for (const process of this.#processes) if (process.topic === topic) return process;
    return undefined;
  }

  send(text: string): void {
    if (this.#closed) return;
    try {
      this.transport.send(text);
    } catch (error) {
      this.endpoint.log.warn({ err: error }, "send failed; closing the connection");
      this.close(CloseCode.goingAway, "send failed");
    }
  }

  /** The `disconnect` broadcast on this socket id's topic closes the connection. */
  deliver(message: Message): void {
    if (message.event === "disconnect") this.close(CloseCode.disconnected, "disconnected by the server");
  }

  receive(text: string): void {
    if (this.#closed) return;
    this.lastSeen = Date.now();
    const limit = this.endpoint.limits.maxFrameBytes;
    // Characters undercount bytes by up to 3x: measure bytes only when that could matter.
    if (text.length > limit || (text.length * 3 > limit && Buffer.byteLength(text) > limit)) {
      this.endpoint.log.warn({ code: "SB_ERR_FRAME_TOO_LARGE", size: text.length }, "frame too large; closing");
      return this.close(CloseCode.tooBig, "frame too large");
    }
    const frame = decodeFrame(text);
    if (!this.#admit(isFault(frame) ? frame.ref : frame[1], isFault(frame) ? frame.topic : frame[2], isFault(frame) ? frame.joinRef : frame[0])) return;
    if (isFault(frame)) {
      this.endpoint.metrics.count("bad_frames");
      const payload = { reason: frame.reason, code: frame.code };
      if (frame.topic !== null && frame.ref !== null) return this.send(encodeFrame(frame.joinRef, frame.ref, frame.topic, REPLY, { status: "error", response: payload }));
      return this.send(encodeFrame(null, frame.ref, PHOENIX_TOPIC, ERROR, payload));
    }
    this.#route(frame);
  }

  /** Token-bucket rate limit: refused frames get an error reply; a flood closes the connection. */
  #admit(ref: string | null, topic: string | null, joinRef: string | null): boolean {
    const { rate, burst, maxRefused } = this.endpoint.limits;
    const now = Date.now();
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refilled) / 1000) * rate);
    this.#refilled = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#refused = 0;
      return true;
    }
    this.#refused++;
    this.endpoint.metrics.count("rate_limited");
    if (this.#refused > maxRefused) {
      this.endpoint.log.warn({ code: "SB_ERR_RATE_LIMITED", socketId: this.socketId }, "message flood; closing");
      this.close(CloseCode.policy, "rate limit exceeded");
      return false;
    }
    const payload = { reason: "rate limit exceeded; slow down", code: "SB_ERR_RATE_LIMITED" };
    if (topic !== null && ref !== null) this.send(encodeFrame(joinRef, ref, topic, REPLY, { status: "error", response: payload }));
    return false;
  }

  #route(frame: Frame): void {
    const [joinRef, ref, topic, event, payload] = frame;
    if (topic === PHOENIX_TOPIC && event === HEARTBEAT) {
      return this.send(encodeFrame(null, ref, PHOENIX_TOPIC, REPLY, { status: "ok", response: {} }));
    }
    if (event === JOIN) return this.#join(frame);
    const process = this.#joined(topic);
    if (!process) return this.#error(joinRef, ref, topic, "unmatched topic", "SB_ERR_UNMATCHED_TOPIC");
    if (joinRef !== null && joinRef !== process.joinRef) {
      return this.#error(joinRef, ref, topic, "this join_ref is not the topic's current join", "SB_ERR_STALE_JOIN");
    }
    if (event === LEAVE) {
      process.mailbox.push(() => {
        this.send(encodeFrame(process.joinRef, ref, topic, REPLY, { status: "ok", response: {} }));
        process.end("leave", "close");
      });
      return;
    }
    process.receive(frame);
  }

  #join(frame: Frame): void {
    const [joinRef, ref, topic, , payload] = frame;
    const existing = this.#joined(topic);
    if (existing) {
      // As in Phoenix: a second join to a joined topic replaces the first, which is closed.
      this.endpoint.log.info({ topic }, "duplicate join; closing the existing channel");
      existing.end("duplicate join", "close");
    }
    const process = this.endpoint.createProcess(this, topic, joinRef);
    if (!process) return this.#error(joinRef, ref, topic, "unmatched topic", "SB_ERR_UNMATCHED_TOPIC");
    // concat sizes the array exactly (a push would leave room for 16 more).
    this.#processes = this.#processes.concat([process]);
    this.endpoint.metrics.count("joins");
    process.mailbox.push(() => process.join(payload, ref));
  }

  #error(joinRef: string | null, ref: string | null, topic: string, reason: string, code: string): void {
    this.send(encodeFrame(joinRef, ref, topic, REPLY, { status: "error", response: { reason, code } }));
  }

  /** Called by a process when it ends. */
  forget(process: ChannelProcess): void {
    const at = this.#processes.indexOf(process);
    if (at >= 0) this.#processes = this.#processes.slice(0, at).concat(this.#processes.slice(at + 1));
  }

  /** Ends every process and closes the transport. Safe to call more than once. */
  close(code: number = CloseCode.normal, reason = "closed"): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const process of this.#processes) process.end("connection closed", "none");
    if (this.socketId !== null) this.endpoint.pubsub.unsubscribe(socketTopic(this.socketId), this);
    this.endpoint.forget(this);
    try {
      this.transport.close(code, reason);
    } catch {
      // The transport is gone already.
    }
  }
}

export function socketTopic(socketId: string): string {
  return `sb_socket:${socketId}`;
}
