// An in-memory client connection: the server's real Connection on one side, a test client on the
// other, passing the exact protocol frames (JSON text) both ways with no network. Replies are
// matched by ref; every other frame goes to the listeners of its topic; crashes the endpoint
// reports for this connection's topics go to the handler registered for the topic.

import type { ConnectInfo, Connection, Transport } from "../switchboard/connection.ts";
import type { Endpoint } from "../switchboard/endpoint.ts";
import { sbError } from "../switchboard/errors.ts";

export type Frame = [joinRef: string | null, ref: string | null, topic: string, event: string, payload: any];

export interface Reply {
  status: "ok" | "error";
  response: any;
}

export interface MemorySocketOptions {
  /** Params as the client would put in the socket URL (seen by the endpoint's connect hook). */
  params?: Record<string, string>;
  cookies?: Record<string, string>;
  headers?: Record<string, string>;
}

/** How many received frames are kept for frames(); older ones are dropped. */
const KEEP_FRAMES = 10_000;

export class MemorySocket {
  readonly endpoint: Endpoint;
  readonly cookies: Readonly<Record<string, string>>;
  connection: Connection | null = null;
  closedWith: { code: number; reason: string } | null = null;
  /** The text of every frame received, oldest first (the last 10,000). */
  readonly received: string[] = [];
  #ref = 0;
  readonly #replies = new Map<string, (reply: [Reply, string]) => void>();
  readonly #listeners = new Map<string, Set<(frame: Frame) => void>>();
  readonly #crashHandlers = new Map<string, (error: unknown) => void>();
  readonly #onCrash = (topic: string, error: unknown, connection: Connection) => {
    if (connection === this.connection) this.#crashHandlers.get(topic)?.(error);
  };

  private constructor(endpoint: Endpoint, cookies: Record<string, string>) {
    this.endpoint = endpoint;
    this.cookies = cookies;
  }

  /** Connects through the endpoint's connect hook; rejects with SB_ERR_TEST_REFUSED if it refuses. */
  static async open(endpoint: Endpoint, options: MemorySocketOptions = {}): Promise<MemorySocket> {
    const socket = new MemorySocket(endpoint, { ...options.cookies });
    const transport: Transport = {
      send: (text) => socket.#receive(text),
      close: (code, reason) => socket.#closed(code, reason),
    };
    const info: ConnectInfo = {
      origin: null,
      cookies: socket.cookies,
      headers: options.headers ?? {},
      remoteAddress: "127.0.0.1",
    };
    socket.connection = await endpoint.connect(transport, info, options.params ?? {});
    if (!socket.connection) throw sbError("SB_ERR_TEST_REFUSED", "the connection", "the endpoint's connect hook refused it (SB_ERR_CONNECT_REFUSED)");
    endpoint.crashListeners.add(socket.#onCrash);
    return socket;
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  ref(): string {
    return String(++this.#ref);
  }

  /** Sends a frame and resolves with its reply's payload. */
  async request(frame: Frame): Promise<Reply> {
    return (await this.exchange(frame))[0];
  }

  /** Sends a frame and resolves with its reply's payload and the reply frame's text. */
  exchange(frame: Frame): Promise<[Reply, string]> {
    const ref = frame[1]!;
    const reply = new Promise<[Reply, string]>((resolve) => this.#replies.set(ref, resolve));
    try {
      this.send(frame);
    } catch (error) {
      this.#replies.delete(ref);
      return Promise.reject(error);
    }
    return reply;
  }

  send(frame: Frame): void {
    if (!this.connection || this.connection.closed) throw sbError("SB_ERR_TEST_REFUSED", `the frame ${frame[3]} on ${frame[2]}`, "the connection is closed");
    this.connection.receive(JSON.stringify(frame));
  }

  /** Frames for `topic` that are not replies to this socket's requests. */
  on(topic: string, listener: (frame: Frame) => void): () => void {
    let set = this.#listeners.get(topic);
    if (!set) this.#listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  /** Calls `handler` with the error when the process joined on `topic` crashes. */
  onCrash(topic: string, handler: (error: unknown) => void): () => void {
    this.#crashHandlers.set(topic, handler);
    return () => {
      if (this.#crashHandlers.get(topic) === handler) this.#crashHandlers.delete(topic);
    };
  }

  /** Received frames, decoded afresh (so later merges cannot have changed them), optionally of one topic. */
  frames(topic?: string): Frame[] {
    const out: Frame[] = [];
    for (const text of this.received) {
      const frame = JSON.parse(text) as Frame;
      if (topic === undefined || frame[2] === topic) out.push(frame);
    }
    return out;
  }

  #receive(text: string): void {
    if (this.received.push(text) > KEEP_FRAMES) this.received.splice(0, KEEP_FRAMES / 2);
    const frame = JSON.parse(text) as Frame;
    const [, ref, topic, event, payload] = frame;
    if (event === "phx_reply" && ref !== null) {
      const resolve = this.#replies.get(ref);
      if (resolve) {
        this.#replies.delete(ref);
        return resolve([payload as Reply, text]);
      }
    }
    const listeners = this.#listeners.get(topic);
    if (listeners) for (const listener of listeners) listener(frame);
  }

  #closed(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.endpoint.crashListeners.delete(this.#onCrash);
    for (const [ref, resolve] of this.#replies) {
      this.#replies.delete(ref);
      const payload: Reply = { status: "error", response: { reason: `the connection closed (${code} ${reason})`, closeCode: code } };
      resolve([payload, JSON.stringify([null, ref, "", "phx_reply", payload])]);
    }
  }

  /** Closes the connection, ending every view and channel on it (a closed tab). */
  close(): void {
    this.connection?.close(1000, "test finished");
  }
}
