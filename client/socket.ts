// The client's connection: one websocket per tab speaking Phoenix Channels v2 (falling back to
// long polling when the websocket cannot open), heartbeats every 30 s, reconnection with backoff
// and jitter, and channels that rejoin with freshly computed params after every reconnect.

import { CLOSE, ERROR, HEARTBEAT, JOIN, LEAVE, PHOENIX_TOPIC, PROTOCOL_VERSION, REPLY } from "../src/switchboard/protocol.ts";
import { LongPoll } from "./long-poll.ts";

type Frame = [string | null, string | null, string, string, any];
export interface ReplyPayload {
  status: "ok" | "error" | "timeout";
  response: any;
}

const HEARTBEAT_MS = 30_000;
/** Fast first retries, then capped at a few seconds; each with up to 50% jitter. */
const BACKOFF = [10, 50, 100, 200, 500, 1000, 2000, 3000];
const backoff = (tries: number) => {
  const base = BACKOFF[Math.min(tries, BACKOFF.length - 1)]!;
  return base + Math.random() * base * 0.5;
};

interface Transport {
  readyState: number;
  onopen: (() => void) | null;
  onclose: ((e: { code: number }) => void) | null;
  onerror: (() => void) | null;
  onmessage: ((e: { data: string }) => void) | null;
  send(data: string): void;
  close(code?: number): void;
}

export class Channel {
  readonly topic: string;
  readonly socket: Socket;
  joinRef: string | null = null;
  state: "closed" | "joining" | "joined" | "errored" = "closed";
  readonly #params: () => Record<string, unknown>;
  readonly #handlers = new Map<string, (payload: any) => void>();
  onJoin: (reply: ReplyPayload) => void = () => {};

  constructor(socket: Socket, topic: string, params: () => Record<string, unknown>) {
    this.socket = socket;
    this.topic = topic;
    this.#params = params;
  }

  on(event: string, handler: (payload: any) => void): void {
    this.#handlers.set(event, handler);
  }

  join(): void {
    this.state = "joining";
    this.joinRef = this.socket.ref();
    this.socket.sendFrame([this.joinRef, this.joinRef, this.topic, JOIN, this.#params()], (reply) => {
      this.state = reply.status === "ok" ? "joined" : "errored";
      this.onJoin(reply);
    });
  }

  push(event: string, payload: unknown, onReply?: (reply: ReplyPayload) => void): void {
    this.socket.sendFrame([this.joinRef, this.socket.ref(), this.topic, event, payload], onReply);
  }

  leave(): void {
    if (this.state === "joined" || this.state === "joining") this.push(LEAVE, {});
    this.state = "closed";
    this.socket.remove(this);
  }

  receive(event: string, payload: any, joinRef: string | null): void {
    // A frame from an earlier join of this topic is stale.
    if (joinRef !== null && joinRef !== this.joinRef) return;
    if (event === ERROR || event === CLOSE) this.state = event === ERROR ? "errored" : "closed";
    this.#handlers.get(event)?.(payload);
  }
}

export interface SocketOptions {
  url: string;
  longPollUrl: string;
  onState?: (state: "open" | "closed") => void;
}

export class Socket {
  readonly #options: SocketOptions;
  readonly #channels = new Set<Channel>();
  readonly #pending = new Map<string, (reply: ReplyPayload) => void>();
  #transport: Transport | null = null;
  #ref = 0;
  #tries = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #heartbeatRef: string | null = null;
  #longPoll = false;
  #everOpened = false;

  constructor(options: SocketOptions) {
    this.#options = options;
  }

  ref(): string {
    return String(++this.#ref);
  }

  get connected(): boolean {
    return this.#transport?.readyState === 1;
  }

  channel(topic: string, params: () => Record<string, unknown>): Channel {
    const channel = new Channel(this, topic, params);
    this.#channels.add(channel);
    return channel;
  }

  remove(channel: Channel): void {
    this.#channels.delete(channel);
  }

  connect(): void {
    const query = `?vsn=${PROTOCOL_VERSION}`;
    const transport: Transport = this.#longPoll
      ? new LongPoll(this.#options.longPollUrl + query)
      : (new WebSocket(this.#options.url + query) as unknown as Transport);
    this.#transport = transport;
    transport.onopen = () => {
      this.#tries = 0;
      this.#everOpened = true;
      this.#options.onState?.("open");
      clearInterval(this.#heartbeat);
      this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS);
      for (const channel of this.#channels) channel.join();
    };
    transport.onmessage = (event) => this.#receive(event.data);
    transport.onerror = () => {};
    transport.onclose = () => {
      if (this.#transport !== transport) return;
      // A websocket that never opened is likely blocked: fall back to long polling.
      if (!this.#everOpened && !this.#longPoll) this.#longPoll = true;
      this.#closed();
    };
  }

  #closed(): void {
    clearInterval(this.#heartbeat);
    this.#transport = null;
    this.#heartbeatRef = null;
    for (const [ref, reply] of this.#pending) {
      this.#pending.delete(ref);
      reply({ status: "timeout", response: {} });
    }
    for (const channel of this.#channels) channel.state = "errored";
    this.#options.onState?.("closed");
    setTimeout(() => this.connect(), backoff(this.#tries++));
  }

  /** A heartbeat unanswered by the next one means a dead connection: drop it and reconnect. */
  #beat(): void {
    if (this.#heartbeatRef) {
      const transport = this.#transport;
      this.#heartbeatRef = null;
      transport?.close(4000);
      if (transport) {
        transport.onclose = null;
        this.#closed();
      }
      return;
    }
    this.#heartbeatRef = this.ref();
    this.sendFrame([null, this.#heartbeatRef, PHOENIX_TOPIC, HEARTBEAT, {}], () => (this.#heartbeatRef = null));
  }

  /** Sends now; while disconnected nothing is queued (the rejoin renders current state) and the reply is a timeout. */
  sendFrame(frame: Frame, onReply?: (reply: ReplyPayload) => void): void {
    if (!this.connected) return onReply?.({ status: "timeout", response: {} });
    if (onReply && frame[1]) this.#pending.set(frame[1], onReply);
    this.#transport!.send(JSON.stringify(frame));
  }

  #receive(data: string): void {
    const [joinRef, ref, topic, event, payload] = JSON.parse(data) as Frame;
    if (event === REPLY && ref !== null && this.#pending.has(ref)) {
      const reply = this.#pending.get(ref)!;
      this.#pending.delete(ref);
      reply(payload);
      return;
    }
    for (const channel of this.#channels) if (channel.topic === topic) channel.receive(event, payload, joinRef);
  }
}
