// The app factory for tests that drive live views through the harness (src/testing): fastify with
// the switchboard plugin, never listening, and a log that records what the runtime logged.

import Fastify, { type FastifyInstance } from "fastify";
import { vi } from "vitest";
import type { Logger } from "../../src/switchboard/endpoint.ts";
import { switchboard, type SwitchboardOptions } from "../../src/switchboard/plugin.ts";
import type { Frame, Reply, TestView } from "../../src/testing/index.ts";

export interface LogEntry {
  level: "info" | "warn" | "error" | "debug";
  obj: Record<string, unknown>;
  msg?: string;
}

export interface TestApp {
  readonly app: FastifyInstance;
  readonly logs: LogEntry[];
  /** Error-level log entries, carrying `code` if given. */
  crashes(code?: string): LogEntry[];
  /** Closes the app (every view and channel with it); safe to call again. */
  close(): Promise<void>;
}

/** An app with the plugin registered with `options` (and a recording log); close it in afterEach. */
export async function createApp(options: SwitchboardOptions, setup?: (app: FastifyInstance) => void | Promise<void>): Promise<TestApp> {
  const logs: LogEntry[] = [];
  const record = (level: LogEntry["level"]) => (obj: unknown, msg?: string) => void logs.push({ level, obj: (obj ?? {}) as Record<string, unknown>, msg });
  const log: Logger = { info: record("info"), warn: record("warn"), error: record("error"), debug: record("debug") };
  const app = Fastify();
  await app.register(switchboard, { log, ...options });
  await setup?.(app);
  await app.ready();
  let closing: Promise<void> | null = null;
  return {
    app,
    logs,
    crashes: (code) => logs.filter((e) => e.level === "error" && (code === undefined || e.obj.code === code)),
    close: () => (closing ??= app.close()),
  };
}

/** The payloads of the frames a view received of one event (`diff`, `live_patch`, `phx_reply` …). */
export function payloads(view: TestView, event: string): Frame[4][] {
  return view.frames(event).map((f) => f[4]);
}

/** The reply the view's join got, as sent. */
export function joinReply(view: TestView): { status: string; response: any } {
  const reply = view.frames("phx_reply").find((f) => f[1] === view.joinRef);
  if (!reply) throw new Error(`no join reply on ${view.topic}`);
  return reply[4];
}

/** Polls until `check` stops throwing (for server state that no frame announces). */
export function until(check: () => void, timeout = 3000): Promise<void> {
  return vi.waitFor(check, { timeout, interval: 5 });
}

/** Sends a live event as a click would, and resolves with the reply as sent (a diff in it applied). */
export function send(view: TestView, event: string, value: unknown = {}, cid?: number): Promise<Reply> {
  return view.request("event", { type: "click", event, value, ...(cid === undefined ? {} : { cid }) });
}
