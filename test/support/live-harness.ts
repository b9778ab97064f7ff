// Helpers for the live-view runtime tests, over test/support/socket-client.ts: one server per test,
// every socket it opened closed afterwards, a log that records what the runtime logged, frames
// sent without waiting for a reply (for events that end a view), and polling for server state.

import { vi } from "vitest";
import type { FastifyInstance } from "fastify";
import type { Logger } from "../../src/switchboard/endpoint.ts";
import type { SwitchboardOptions } from "../../src/switchboard/plugin.ts";
import { LiveClient, loadPage, startServer, TestSocket, type Frame, type Page, type TestServer } from "./socket-client.ts";

export interface LogEntry {
  level: "info" | "warn" | "error" | "debug";
  obj: Record<string, unknown>;
  msg?: string;
}

export interface OpenView {
  page: Page;
  socket: TestSocket;
  view: LiveClient;
}

/** One test's server and sockets; call close() in afterEach. */
export class Harness {
  server!: TestServer;
  readonly sockets: TestSocket[] = [];
  readonly logs: LogEntry[] = [];
  readonly #cookies = new WeakMap<TestSocket, string>();

  get app(): FastifyInstance {
    return this.server.app;
  }

  async start(options: SwitchboardOptions, setup?: (app: FastifyInstance) => void | Promise<void>): Promise<this> {
    const record = (level: LogEntry["level"]) => (obj: unknown, msg?: string) => {
      this.logs.push({ level, obj: (obj ?? {}) as Record<string, unknown>, msg });
    };
    const log: Logger = { info: record("info"), warn: record("warn"), error: record("error"), debug: record("debug") };
    this.server = await startServer({ log, ...options }, setup);
    return this;
  }

  /** Opens a socket with the page's session cookie (later pages loaded for it share that session). */
  async connect(page: Page): Promise<TestSocket> {
    const socket = await TestSocket.connect(this.server, { cookie: page.cookie });
    this.sockets.push(socket);
    this.#cookies.set(socket, page.cookie);
    return socket;
  }

  /** Loads `path` over HTTP and joins it, on `socket` or on a new one. */
  async open(path: string, socket?: TestSocket, extra: Record<string, unknown> = {}): Promise<OpenView> {
    const page = await this.load(path, socket);
    socket ??= await this.connect(page);
    const view = await LiveClient.join(socket, page, this.server, path, extra);
    if (view.joinReply?.[4].status !== "ok") throw new Error(`join of ${path} failed: ${JSON.stringify(view.joinReply)}`);
    return { page, socket, view };
  }

  /** GETs a live page, with the session of `socket` when given. */
  load(path: string, socket?: TestSocket): Promise<Page> {
    return loadPage(this.server, path, socket ? this.cookieOf(socket) : "");
  }

  /** Joins a loaded page on `socket` (reply checked by the caller). */
  join(socket: TestSocket, page: Page, path: string, extra: Record<string, unknown> = {}): Promise<LiveClient> {
    return LiveClient.join(socket, page, this.server, path, extra);
  }

  cookieOf(socket: TestSocket): string {
    return this.#cookies.get(socket) ?? "";
  }

  /** Error-level log entries carrying `code`. */
  crashes(code?: string): LogEntry[] {
    return this.logs.filter((e) => e.level === "error" && (code === undefined || e.obj.code === code));
  }

  #closed = false;

  /** Closes every socket, then the server; safe to call again. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const socket of this.sockets.splice(0)) socket.close();
    await this.server?.close();
  }
}

/** Sends a live event without waiting for a reply (for events after which none comes). */
export function fire(view: LiveClient, event: string, value: unknown = {}, extra: Record<string, unknown> = {}): string {
  const ref = view.socket.nextRef();
  view.socket.send([view.joinRef, ref, view.topic, "event", { type: "click", event, value, ...extra }]);
  return ref;
}

/** Frames received on a topic so far, of one event. */
export function framesOf(socket: TestSocket, topic: string, event: string): Frame[] {
  return socket.received.filter((f) => f[2] === topic && f[3] === event);
}

/** Polls until `check` stops throwing (for server state that no frame announces). */
export function until(check: () => void, timeout = 3000): Promise<void> {
  return vi.waitFor(check, { timeout, interval: 5 });
}

/** A promise and its resolvers, to hold an async task until the test lets it finish. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
