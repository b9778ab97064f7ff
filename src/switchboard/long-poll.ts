// Long polling: the fallback transport for networks that block websockets. The same frames as the
// websocket travel over plain HTTP: GET waits (up to pollTimeoutMs) for the frames the server
// queued, POST carries the client's frames (one per line). A session is named by a signed token;
// one that has not polled for a while is closed like a dropped socket.
//
//   GET  /live/longpoll            → {status: 410, token}           a new session; poll with it
//   GET  /live/longpoll?token=T    → {status: 200, token, messages} or {status: 204, token}
//   POST /live/longpoll?token=T    → {status: 200} | {status: 410} (unknown or expired session)

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CloseCode, type ConnectInfo, type Connection, type Transport } from "./connection.ts";
import { SLOW_CLIENT_CLOSE, type Endpoint } from "./endpoint.ts";
import { randomId } from "./token.ts";

export interface LongPollOptions {
  path: string;
  /** How long a GET waits for frames before answering 204 (default 20 s). */
  pollTimeoutMs: number;
  /** Bytes queued for a client between polls, at most (limits.maxBufferedBytes); more ends the session. */
  maxQueuedBytes: number;
  originAllowed: (request: FastifyRequest) => boolean;
  connectInfo: (request: FastifyRequest) => ConnectInfo;
}

class PollSession implements Transport {
  readonly id = randomId();
  readonly queue: string[] = [];
  #queuedBytes = 0;
  connection: Connection | null = null;
  waiting: ((messages: string[] | null) => void) | null = null;
  lastPoll = Date.now();
  closed = false;
  readonly #maxQueuedBytes: number;
  readonly #onClose: () => void;
  readonly #onBehind: (queuedBytes: number) => void;

  constructor(maxQueuedBytes: number, onClose: () => void, onBehind: (queuedBytes: number) => void) {
    this.#maxQueuedBytes = maxQueuedBytes;
    this.#onClose = onClose;
    this.#onBehind = onBehind;
  }

  send(text: string): void {
    if (this.closed) return;
    // As over the websocket: a client further behind than the limit is closed, not buffered for.
    if (this.#queuedBytes > this.#maxQueuedBytes) return this.#onBehind(this.#queuedBytes);
    this.queue.push(text);
    this.#queuedBytes += Buffer.byteLength(text);
    if (this.waiting) this.#flush();
  }

  #flush(): void {
    const resolve = this.waiting!;
    this.waiting = null;
    this.#queuedBytes = 0;
    resolve(this.queue.splice(0));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.#queuedBytes = 0;
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.(null);
    this.#onClose();
  }

  /** Resolves with the queued frames, at once or when one arrives, or [] after the timeout. */
  poll(timeoutMs: number): Promise<string[] | null> {
    this.lastPoll = Date.now();
    // A newer poll replaces an older one still waiting (the client gave up on it).
    this.waiting?.([]);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiting === settle) {
          this.waiting = null;
          resolve([]);
        }
      }, timeoutMs);
      const settle = (messages: string[] | null) => {
        clearTimeout(timer);
        this.lastPoll = Date.now();
        resolve(messages);
      };
      this.waiting = settle;
      if (this.queue.length > 0) this.#flush();
    });
  }
}

export function registerLongPoll(app: FastifyInstance, endpoint: Endpoint, options: LongPollOptions): void {
  const sessions = new Map<string, PollSession>();
  const tokenOf = (session: PollSession) => endpoint.signer.sign("longpoll", session.id);
  const find = (token: unknown): PollSession | null => {
    try {
      const id = endpoint.signer.verify("longpoll", token, 24 * 3600 * 1000);
      return sessions.get(id as string) ?? null;
    } catch {
      return null;
    }
  };

  // A session whose client stopped polling is a dropped connection.
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const session of sessions.values()) {
      if (!session.waiting && now - session.lastPoll > options.pollTimeoutMs * 2) session.connection?.close(CloseCode.goingAway, "client stopped polling");
    }
  }, Math.min(5_000, options.pollTimeoutMs));
  sweeper.unref();
  app.addHook("onClose", async () => clearInterval(sweeper));

  const refuse = (reply: FastifyReply) => reply.code(403).send({ status: 403, error: "origin not allowed", code: "SB_ERR_ORIGIN" });

  app.get(options.path, async (request, reply) => {
    if (!options.originAllowed(request)) return refuse(reply);
    reply.header("cache-control", "no-store");
    const query = request.query as Record<string, unknown>;
    const existing = find(query.token);
    if (!existing) {
      const session = new PollSession(options.maxQueuedBytes, () => sessions.delete(session.id), (queuedBytes) => {
        endpoint.log.warn({ code: "SB_ERR_SLOW_CLIENT", socketId: session.connection?.socketId, buffered: queuedBytes, limit: options.maxQueuedBytes }, "long-poll client too far behind; closing");
        session.connection?.close(SLOW_CLIENT_CLOSE, "client too far behind");
      });
      const params = Object.fromEntries(Object.entries(query).filter(([k, v]) => k !== "token" && typeof v === "string")) as Record<string, string>;
      const connection = await endpoint.connect(session, options.connectInfo(request), params);
      if (!connection) return reply.code(403).send({ status: 403, error: "connection refused", code: "SB_ERR_CONNECT_REFUSED" });
      session.connection = connection;
      sessions.set(session.id, session);
      return { status: 410, token: tokenOf(session) };
    }
    const messages = await existing.poll(options.pollTimeoutMs);
    if (messages === null) return { status: 410 };
    if (messages.length === 0) return { status: 204, token: tokenOf(existing) };
    // Frames are JSON already: splice them in rather than parse and re-encode them.
    reply.type("application/json");
    return `{"status":200,"token":${JSON.stringify(tokenOf(existing))},"messages":[${messages.join(",")}]}`;
  });

  app.post(options.path, async (request, reply) => {
    if (!options.originAllowed(request)) return refuse(reply);
    const session = find((request.query as Record<string, unknown>).token);
    if (!session?.connection) return { status: 410 };
    // text/plain arrives as a string; a JSON body (one frame) was parsed by fastify: re-encode it
    // so the connection answers it (or its fault) instead of it being dropped unanswered.
    const body = typeof request.body === "string" ? request.body : (JSON.stringify(request.body) ?? "");
    for (const line of body.split("\n")) if (line.trim() !== "") session.connection.receive(line);
    return { status: 200 };
  });
}
