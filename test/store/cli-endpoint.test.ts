// The server's local endpoint for the store CLI, in process (fastify inject): loopback and token
// only, arguments checked like the CLI's, NDJSON answers, and a running simulation stopped when
// the server closes.

import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeEach, expect, test } from "vitest";
import { CLI_PATH, CLI_TOKEN_HEADER, registerCliEndpoint } from "../../src/store/cli-endpoint.ts";
import { readConfig } from "../../src/store/config.ts";
import { openStore, type Store } from "../../src/store/store.ts";

const token = "a-test-token-that-is-long-enough-000000";
let app: FastifyInstance;
let store: Store;

beforeEach(async () => {
  store = await openStore({ config: { ...readConfig({}), dataDir: "memory://" }, seed: true });
  app = Fastify();
  registerCliEndpoint(app, { store, token });
  app.addHook("onClose", () => store.close());
});
afterEach(() => app.close());

const send = (argv: unknown, headers: Record<string, string> = { [CLI_TOKEN_HEADER]: token }, remoteAddress?: string) =>
  app.inject({ method: "POST", url: CLI_PATH, headers, payload: { argv }, ...(remoteAddress ? { remoteAddress } : {}) });

const lines = (body: string) => body.trim().split("\n").map((line) => JSON.parse(line));

test("runs a command and streams its output as NDJSON", async () => {
  const response = await send(["release", "2"]);
  expect(response.statusCode).toBe(200);
  expect(response.headers["content-type"]).toContain("application/x-ndjson");
  expect(lines(response.body)).toEqual([{ line: "product 2 (Asler Breezy Boost 600) released" }, { exitCode: 0 }]);
  expect(store.inventory.product(2)).toMatchObject({ released: true });
});

test("answers failures and bad arguments with the CLI's exit codes", async () => {
  expect(lines((await send(["release", "9"])).body)).toEqual([{ exitCode: 1, error: expect.stringContaining("STORE_ERR_UNKNOWN_PRODUCT: There is no product with the id 9.") }]);
  expect(lines((await send(["release", "x"])).body)).toEqual([{ exitCode: 2, error: 'a product id is a positive whole number; received "x"' }]);
  expect((await send("release 1")).statusCode).toBe(400);
});

test("refuses a missing or wrong token, and any address but loopback", async () => {
  expect((await send(["release", "1"], {})).statusCode).toBe(401);
  expect((await send(["release", "1"], { [CLI_TOKEN_HEADER]: `${token}x` })).statusCode).toBe(401);
  const remote = await send(["release", "1"], { [CLI_TOKEN_HEADER]: token }, "10.0.0.7");
  expect(remote.statusCode).toBe(403);
  expect(remote.json()).toEqual({ error: "the store CLI endpoint answers only on loopback" });
  expect(store.inventory.product(1)).toMatchObject({ released: false });
});

test("closing the server stops a running simulation", async () => {
  await send(["release", "1"]);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  const response = await fetch(`${url}${CLI_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", [CLI_TOKEN_HEADER]: token },
    body: JSON.stringify({ argv: ["simulate", "--per-tick", "1", "--tick-ms", "50"] }),
  });
  const reader = response.body!.getReader();
  await reader.read();
  const started = performance.now();
  const closed = app.close();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  await closed;
  expect(performance.now() - started).toBeLessThan(2000);
  expect(text).toContain('"exitCode":0');
  expect(text).toContain("simulator: stopped after");
});
