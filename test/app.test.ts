// The demo app over HTTP (fastify's inject, no port) and live over a real websocket.

import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.ts";
import { LiveClient, loadPage, TestSocket, type TestServer } from "./support/socket-client.ts";

// The store's embedded database in memory: tests never write into .data/.
const inMemory = { store: { dataDir: "memory://" } };

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe("counter demo page", () => {
  it("renders the count from the query, escaped and with no-store caching", async () => {
    app = await buildApp(inMemory);
    const response = await app.inject({ method: "GET", url: "/?count=7" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["content-type"]).toContain("text/html");
    expect(response.body.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
    expect(response.body).toContain('<span class="counter__value">7</span>');
    expect(response.body).toContain('href="?count=8"');
    expect(response.body).toContain('href="?count=6"');
  });

  it("treats a count that is not a safe integer as 0", async () => {
    app = await buildApp(inMemory);
    for (const bad of ["abc", "1e9", "<script>", "99999999999999999999"]) {
      const response = await app.inject({ method: "GET", url: `/?count=${encodeURIComponent(bad)}` });
      expect(response.body).toContain('<span class="counter__value">0</span>');
    }
  });

  it("counts live over the websocket, starting from the URL's count", async () => {
    app = await buildApp(inMemory);
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const server: TestServer = { app, url, close: async () => {} };
    const page = await loadPage(server, "/?count=41");
    const socket = await TestSocket.connect(server, { cookie: page.cookie });
    const view = await LiveClient.join(socket, page, server, "/?count=41");
    expect(view.html()).toContain('<span class="counter__value">41</span>');
    const reply = await view.event("inc");
    expect(reply[4].response.diff).toBeDefined();
    expect(view.html()).toContain('<span class="counter__value">42</span>');
    expect(view.html()).toContain('href="?count=43"');
    socket.close();
  });

  it("refuses to start in production without a secret", async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      await expect(buildApp(inMemory)).rejects.toMatchObject({ code: "SB_ERR_SECRET_REQUIRED" });
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
});
