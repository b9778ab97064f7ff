// The store app over HTTP (fastify's inject, no port) and live over a real websocket: the pages'
// HTTP contract, the session's cart id, static files, the admin's credentials, the counter demo.

import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.ts";
import { LiveClient, loadPage, TestSocket, type TestServer } from "./support/socket-client.ts";

// The store's embedded database in memory: tests never write into .data/.
const inMemory = { store: { dataDir: "memory://" } };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe("the store's pages over HTTP", () => {
  it("renders the product page with the Sneakers23 title, the stylesheet and no-store caching", async () => {
    app = await buildApp(inMemory);
    const response = await app.inject({ method: "GET", url: "/" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["content-type"]).toContain("text/html");
    expect(response.body.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
    expect(response.body).toContain("<title>Sneakers23</title>");
    expect(response.body).toContain('<link rel="stylesheet" href="/css/app.css">');
    expect(response.body).toContain('<main class="product-list">');
    expect(response.body.match(/class="product-listing"/g)).toHaveLength(2);
  });

  it("passes the framework's limits through, and refuses a bad one at build time", async () => {
    app = await buildApp({ ...inMemory, limits: { rate: 5_000, maxBufferedBytes: 1 << 20 } });
    expect(app.switchboard.limits.rate).toBe(5_000);
    expect(app.switchboard.limits.maxBufferedBytes).toBe(1 << 20);
    expect(app.switchboard.limits.maxFrameBytes).toBe(1 << 20); // the default, untouched
    await app.close();
    app = null;
    await expect(buildApp({ ...inMemory, limits: { rate: -1 } })).rejects.toThrow(/SB_ERR_OPTION/);
  });

  it("gives a new browser a signed session holding a cart id, and keeps it on the next view", async () => {
    app = await buildApp(inMemory);
    const first = await app.inject({ method: "GET", url: "/" });
    const cookie = first.cookies.find((c) => c.name === "_sb_session");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Lax");
    const payload = JSON.parse(Buffer.from(cookie!.value.split(".")[0]!, "base64url").toString("utf8"));
    expect(payload.data.cartId).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const again = await app.inject({ method: "GET", url: "/", cookies: { _sb_session: cookie!.value } });
    expect(again.cookies.find((c) => c.name === "_sb_session")).toBeUndefined();
    // Two browsers are two shoppers.
    const other = await app.inject({ method: "GET", url: "/" });
    expect(other.cookies.find((c) => c.name === "_sb_session")!.value).not.toBe(cookie!.value);
  });

  it("serves the stylesheet and the product images, and 404s anything else", async () => {
    app = await buildApp(inMemory);
    const css = await app.inject({ method: "GET", url: "/css/app.css" });
    expect(css.statusCode).toBe(200);
    expect(css.headers["content-type"]).toContain("text/css");
    expect(css.body).toContain(".size-container__entry--level-out");
    for (const image of ["/images/hopman.png", "/images/breezy.png"]) {
      const png = await app.inject({ method: "GET", url: image });
      expect(png.statusCode).toBe(200);
      expect(png.headers["content-type"]).toBe("image/png");
      expect(png.rawPayload.subarray(1, 4).toString()).toBe("PNG");
    }
    expect((await app.inject({ method: "GET", url: "/images/../../package.json" })).statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: "/nope" })).statusCode).toBe(404);
  });

  it("asks for the admin's credentials on /admin and refuses wrong ones", async () => {
    app = await buildApp({ store: { ...inMemory.store, adminUser: "boss", adminPassword: "s3cret" } });
    const none = await app.inject({ method: "GET", url: "/admin" });
    expect(none.statusCode).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Basic realm="Sneakers23 Admin"/);
    expect(none.body).not.toContain("admin__");
    for (const wrong of [basic("boss", "nope"), basic("admin", "admin"), "Basic !!!", "Bearer x", basic("boss", "s3cret ")]) {
      expect((await app.inject({ method: "GET", url: "/admin", headers: { authorization: wrong } })).statusCode).toBe(401);
    }
  });

  it("refuses to start in production without a secret, and leaves nothing open", async () => {
    const previous = { ...process.env };
    Object.assign(process.env, { NODE_ENV: "production", ADMIN_USER: "boss", ADMIN_PASSWORD: "s3cret" });
    try {
      await expect(buildApp(inMemory)).rejects.toMatchObject({ code: "SB_ERR_SECRET_REQUIRED" });
    } finally {
      for (const key of ["NODE_ENV", "ADMIN_USER", "ADMIN_PASSWORD"]) {
        if (previous[key] === undefined) delete process.env[key];
        else process.env[key] = previous[key];
      }
    }
  });
});

describe("counter demo page", () => {
  it("counts live over the websocket, starting from the URL's count", async () => {
    app = await buildApp(inMemory);
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const server: TestServer = { app, url, close: async () => {} };
    const page = await loadPage(server, "/counter?count=41");
    expect(page.html).toContain('<span class="counter__value">41</span>');
    const socket = await TestSocket.connect(server, { cookie: page.cookie });
    const view = await LiveClient.join(socket, page, server, "/counter?count=41");
    await view.event("inc");
    expect(view.html()).toContain('<span class="counter__value">42</span>');
    socket.close();
  });
});
