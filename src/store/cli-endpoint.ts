// The running server's local endpoint for the store CLI, POST /_store/cli: while a server owns the
// embedded database, the CLI sends its arguments here instead of opening the files. Only requests
// from loopback carrying the token from DATA_DIR/server.json are accepted. The answer streams as
// NDJSON: {"line": …} per output line, then {"exitCode": 0} or {"error": …, "exitCode": n}.

import { timingSafeEqual } from "node:crypto";
import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { StoreError } from "./errors.ts";
import { CommandError, parseCommand, runCommand, UsageError } from "./operator-command.ts";
import type { Store } from "./store.ts";

export const CLI_PATH = "/_store/cli";
export const CLI_TOKEN_HEADER = "x-store-token";

export type CliMessage = { readonly line: string } | { readonly exitCode: number; readonly error?: string };

/** Exit codes: 2 for bad arguments, 1 for a command that could not be done. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError ? 2 : 1;
}

export interface CliEndpointOptions {
  readonly store: Store;
  readonly token: string;
}

export function registerCliEndpoint(app: FastifyInstance, { store, token }: CliEndpointOptions): void {
  const running = new Set<AbortController>();
  // A long command (the simulator) must not hold up the server's shutdown.
  app.addHook("preClose", async () => {
    for (const controller of running) controller.abort();
  });

  app.post(CLI_PATH, async (request, reply) => {
    // One command per connection: a kept-alive socket would hold up the server's shutdown.
    reply.header("connection", "close");
    const refusal = refuse(request, token);
    if (refusal) return reply.code(refusal.status).send({ error: refusal.message });
    const argv = (request.body as { argv?: unknown } | undefined)?.argv;
    if (!Array.isArray(argv) || !argv.every((arg) => typeof arg === "string")) {
      return reply.code(400).send({ error: 'the body must be {"argv": [strings]}' });
    }
    let command;
    try {
      command = parseCommand(argv);
    } catch (error) {
      return reply.type("application/x-ndjson").send(line({ exitCode: exitCodeOf(error), error: (error as Error).message }));
    }
    const stream = new PassThrough();
    const controller = new AbortController();
    running.add(controller);
    closeWhenGone(reply, controller);
    const finish = (exitCode: number, error?: unknown) => {
      running.delete(controller);
      request.log.info({ command: command.name, exitCode, aborted: controller.signal.aborted }, "store command finished");
      stream.end(line(error === undefined ? { exitCode } : { exitCode, error: (error as Error).message }));
    };
    runCommand(store, command, { log: (text) => stream.write(line({ line: text })), signal: controller.signal }).then(
      () => finish(0),
      (error: unknown) => {
        if (!(error instanceof CommandError || error instanceof UsageError || error instanceof StoreError)) request.log.error({ err: error }, "store command failed");
        finish(exitCodeOf(error), error);
      },
    );
    return reply.type("application/x-ndjson").send(stream);
  });
}

function refuse(request: FastifyRequest, token: string): { status: number; message: string } | null {
  if (!isLoopback(request.socket.remoteAddress)) return { status: 403, message: "the store CLI endpoint answers only on loopback" };
  const given = request.headers[CLI_TOKEN_HEADER];
  if (typeof given !== "string" || !sameToken(given, token)) return { status: 401, message: `a valid ${CLI_TOKEN_HEADER} header is required` };
  return null;
}

function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function closeWhenGone(reply: FastifyReply, controller: AbortController): void {
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
}

const line = (message: CliMessage) => `${JSON.stringify(message)}\n`;
