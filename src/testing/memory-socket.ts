// An in-memory client connection: the server's real Connection on one side, a test client on the
// other, passing the exact protocol frames (JSON text) both ways with no network. Replies are
// matched by ref; every other frame goes to the listeners of its topic.

import type { ConnectInfo, Transport } from "../switchboard/connection.ts";
import type { Connection } from "../switchboard/connection.ts";
import type { Endpoint } from "../switchboard/endpoint.ts";

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

export class MemorySocket {
  readonly endpoint: Endpoint;
  connection: Connection | null = null;
  readonly frames: Frame[] = [];
  closedWith: { code: number; reason: string } | null = null;
  #ref = 0;
  readonly #replies = new Map<string, (reply: Reply) => void>();
  readonly #listeners = new Map<string, Set<(frame: Frame) => void>>();

  private constructor(endpoint: Endpoint) {
    this.endpoint = endpoint;
  }

  static async open(endpoint: Endpoint, options: MemorySocketOptions = {}): Promise<MemorySocket> {
    const socket = new MemorySocket(endpoint);
    const transport: Transport = {
      send: (text) => socket.#receive(text),
      close: (code, reason) => {
        socket.closedWith = { code, reason };
        for (const [ref, resolve] of socket.#replies) {
          socket.#replies.delete(ref);
          resolve({ status: "error", response: { reason: "connection closed", code } });
        }
      },
    };
    const info: ConnectInfo = {
      origin: null,
      cookies: options.cookies ?? {},
      headers: options.headers ?? {},
      remoteAddress: "127.0.0.1",
    };
    socket.connection = await endpoint.connect(transport, info, options.params ?? {});
    if (!socket.connection) throw new Error("the endpoint's connect hook refused the connection");
    return socket;
  }

  ref(): string {
    return String(++this.#ref);
  }

  /** Sends a frame and resolves with its reply. */
  request(frame: Frame): Promise<Reply> {
    const ref = frame[1]!;
    const reply = new Promise<Reply>((resolve) => this.#replies.set(ref, resolve));
    this.send(frame);
    return reply;
  }

  send(frame: Frame): void {
    if (!this.connection || this.connection.closed) throw new Error("the connection is closed");
    this.connection.receive(JSON.stringify(frame));
  }

  on(topic: string, listener: (frame: Frame) => void): () => void {
    let set = this.#listeners.get(topic);
    if (!set) this.#listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  #receive(text: string): void {
    const frame = JSON.parse(text) as Frame;
    this.frames.push(frame);
    const [, ref, topic, event, payload] = frame;
    if (event === "phx_reply" && ref !== null && this.#replies.has(ref)) {
      const resolve = this.#replies.get(ref)!;
      this.#replies.delete(ref);
      resolve(payload as Reply);
      return;
    }
    for (const listener of this.#listeners.get(topic) ?? []) listener(frame);
  }

  close(): void {
    this.connection?.close(1000, "test finished");
  }
}
