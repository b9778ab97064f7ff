// The fastify plugin: a live route's GET answers with the full page (layout, the view's first
// render in its container with the signed session, the CSRF meta tag, the client script, the
// title) and Cache-Control: no-store; misconfiguration throws at registration.

import Fastify, { type FastifyInstance } from "fastify";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, test } from "vitest";
import { Endpoint } from "../../src/switchboard/endpoint.ts";
import { SwitchboardError } from "../../src/switchboard/errors.ts";
import { html } from "../../src/switchboard/index.ts";
import { defineLive } from "../../src/switchboard/live-view.ts";
import { switchboard, type SwitchboardOptions } from "../../src/switchboard/plugin.ts";
import { checkCsrf, readSession } from "../../src/switchboard/session.ts";
import { loadPage, startServer, TestSocket, type TestServer } from "../support/socket-client.ts";

const Product = defineLive<{ id: string; color: string }>({
  title: "Product & co",
  mount({ params }, socket) {
    socket.assign({ id: String(params.id), color: String(params.color ?? "any") });
  },
  render: ({ id, color }) => html`<h1>Product ${id}</h1><p>${color}</p>`,
});

const Untitled = defineLive({
  mount() {},
  render: () => html`<p>untitled</p>`,
});

const Titled = defineLive({
  mount(_c, socket) {
    socket.setTitle("Set in mount");
  },
  render: () => html`<p>titled</p>`,
});

const Away = defineLive({
  mount(_c, socket) {
    socket.redirect("/elsewhere");
  },
  render: () => html`<p>never</p>`,
});

const Broken = defineLive({
  mount() {
    throw new Error("mount failed on purpose");
  },
  render: () => html`<p>never</p>`,
});

const apps: FastifyInstance[] = [];
const servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function app(options: SwitchboardOptions): Promise<FastifyInstance> {
  const instance = Fastify();
  apps.push(instance);
  await instance.register(switchboard, options);
  await instance.ready();
  return instance;
}

const routes = { "/products/:id": Product, "/untitled": Untitled, "/titled": Titled, "/away": Away, "/broken": Broken };

describe("a live route's GET", () => {
  test("answers 200 with the full page, no-store, as HTML", async () => {
    const server = await app({ liveRoutes: routes });
    const response = await server.inject({ method: "GET", url: "/products/42?color=red" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.body.startsWith("<!DOCTYPE html><html lang=\"en\">")).toBe(true);
    expect(response.body).toContain("<h1>Product 42</h1><p>red</p>");
  });

  test("carries the view's title, escaped", async () => {
    const server = await app({ liveRoutes: routes });
    const body = (await server.inject("/products/1")).body;
    expect(body).toContain("<title>Product &amp; co</title>");
  });

  test("takes the title set in mount, then the title option, then \"Switchboard\"", async () => {
    expect((await (await app({ liveRoutes: routes })).inject("/titled")).body).toContain("<title>Set in mount</title>");
    expect((await (await app({ liveRoutes: routes, title: "Shop" })).inject("/untitled")).body).toContain("<title>Shop</title>");
    expect((await (await app({ liveRoutes: routes })).inject("/untitled")).body).toContain("<title>Switchboard</title>");
  });

  test("has a csrf-token meta tag whose token belongs to the session cookie it sets", async () => {
    const server = await app({ liveRoutes: routes });
    const response = await server.inject("/untitled");
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(response.body)?.[1];
    expect(token).toBeTruthy();
    const cookie = response.cookies.find((c) => c.name === "_sb_session");
    expect(cookie).toBeDefined();
    const session = readSession(server.switchboard, cookie!.value);
    expect(session).not.toBeNull();
    expect(checkCsrf(server.switchboard, token, session)).toBeNull();
  });

  test("wraps the first render in the main container with a signed live session", async () => {
    const server = await app({ liveRoutes: routes });
    const body = (await server.inject("/products/7")).body;
    const match = /<div id="(phx-[A-Za-z0-9_-]{8})" data-phx-main data-phx-session="([^"]+)"><h1>Product 7<\/h1><p>any<\/p><\/div>/.exec(body);
    expect(match).not.toBeNull();
    const live = server.switchboard.signer.verify("live", match![2], server.switchboard.session.liveMaxAgeMs) as { s: unknown; c: unknown };
    expect(live).toEqual({ s: {}, c: expect.any(String) });
  });

  test("gives every page load its own view id", async () => {
    const server = await app({ liveRoutes: routes });
    const ids = await Promise.all([1, 2, 3].map(async () => /id="(phx-[^"]+)"/.exec((await server.inject("/untitled")).body)![1]));
    expect(new Set(ids).size).toBe(3);
  });

  test("includes the client script tag, at the clientScript option's path", async () => {
    expect((await (await app({ liveRoutes: routes })).inject("/untitled")).body).toContain(`<script defer src="/assets/switchboard.js"></script>`);
    expect((await (await app({ liveRoutes: routes, clientScript: "/js/live.js" })).inject("/untitled")).body).toContain(`<script defer src="/js/live.js"></script>`);
  });

  test("renders inside a custom layout, which receives the title, token, scripts and content", async () => {
    const server = await app({
      liveRoutes: routes,
      layout: ({ title, csrfToken, scripts, content }) => html`<html><head><title>${title}</title><meta name="csrf-token" content=${csrfToken} />${scripts}</head><body><main>${content}</main></body></html>`,
    });
    const body = (await server.inject("/products/3")).body;
    expect(body).toMatch(/^<!DOCTYPE html><html><head><title>Product &amp; co<\/title><meta name="csrf-token" content="[^"]+"\/?><script defer src="\/assets\/switchboard.js"><\/script><\/head><body><main><div id="phx-/);
    expect(body).toContain("<h1>Product 3</h1>");
  });

  test("a mount that redirects answers with an HTTP redirect", async () => {
    const response = await (await app({ liveRoutes: routes })).inject("/away");
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe("/elsewhere");
  });

  test("a mount that throws answers 500 and the server keeps serving", async () => {
    const server = await app({ liveRoutes: routes });
    expect((await server.inject("/broken")).statusCode).toBe(500);
    expect((await server.inject("/untitled")).statusCode).toBe(200);
  });

  test("a path with no live route is a 404", async () => {
    expect((await (await app({ liveRoutes: routes })).inject("/nowhere")).statusCode).toBe(404);
  });
});

describe("registration", () => {
  async function registerError(options: SwitchboardOptions): Promise<SwitchboardError> {
    const instance = Fastify();
    try {
      await instance.register(switchboard, options);
      await instance.ready();
    } catch (error) {
      expect(error).toBeInstanceOf(SwitchboardError);
      return error as SwitchboardError;
    } finally {
      await instance.close().catch(() => {});
    }
    throw new Error("expected registration to fail");
  }

  test.each([
    ["a path without a leading slash", { products: Product }],
    ["an empty path", { "": Product }],
    ["a view that is not from defineLive", { "/x": { render: () => html`` } }],
    ["a view that is null", { "/x": null }],
    ["a view that is a function", { "/x": () => html`` }],
  ])("liveRoutes with %s throw SB_ERR_ROUTE at registration", async (_name, liveRoutes) => {
    expect((await registerError({ liveRoutes: liveRoutes as never })).code).toBe("SB_ERR_ROUTE");
  });

  test("a layout that is not a function throws SB_ERR_OPTION at registration", async () => {
    expect((await registerError({ layout: "<html>" as never })).code).toBe("SB_ERR_OPTION");
  });

  test("the endpoint is reachable as app.switchboard, with the options' limits", async () => {
    const server = await app({ liveRoutes: routes, limits: { burst: 7 } });
    expect(server.switchboard).toBeInstanceOf(Endpoint);
    expect(server.switchboard.limits.burst).toBe(7);
    expect(server.switchboard.live.routes.map((r) => r.path)).toEqual(Object.keys(routes));
  });

  test("the websocket is served at the socketPath option", async () => {
    const server = await startServer({ socketPath: "/socket/websocket" });
    servers.push(server);
    await expect(TestSocket.connect(server)).rejects.toThrow(/HTTP 404/);
    const { default: WebSocket } = await import("ws");
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket/websocket?vsn=2.0.0`);
    const reply = await new Promise<unknown>((resolve, reject) => {
      ws.once("error", reject);
      ws.once("open", () => ws.send(`[null,"1","phoenix","heartbeat",{}]`));
      ws.once("message", (data) => resolve(JSON.parse(data.toString())));
    });
    expect(reply).toEqual([null, "1", "phoenix", "phx_reply", { status: "ok", response: {} }]);
    ws.terminate();
  });

  test("an open websocket keeps neither its upgrade's request nor its reply (about 3 KB each page otherwise)", async () => {
    const upgrade: WeakRef<object>[] = [];
    const server = await startServer({}, (app) => {
      app.addHook("onRequest", async (request, reply) => {
        if (request.url.startsWith("/live/websocket")) upgrade.push(new WeakRef(request), new WeakRef(reply), new WeakRef(request.raw), new WeakRef(reply.raw));
      });
    });
    servers.push(server);
    const socket = await TestSocket.connect(server);
    expect((await socket.push("phoenix", "heartbeat", {}))[4].status).toBe("ok");
    expect(upgrade).toHaveLength(4);
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    for (let i = 0; i < 3 && upgrade.some((ref) => ref.deref() !== undefined); i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(upgrade.map((ref) => ref.deref() === undefined)).toEqual([true, true, true, true]);
    // The socket is still served.
    expect((await socket.push("phoenix", "heartbeat", {}))[4].status).toBe("ok");
    socket.ws.terminate();
  });
});

describe("plugin: client bundle, protocol version and flash on redirect", () => {
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  test("serves the built client and its source map", async () => {
    server = await startServer({ liveRoutes: {} });
    const js = await fetch(`${server.url}/assets/switchboard.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await js.text()).length).toBeGreaterThan(1000);
    expect((await fetch(`${server.url}/assets/switchboard.js.map`)).status).toBe(200);
  });

  test("a missing client bundle is a 404 with SB_ERR_CLIENT_MISSING, not a crash", async () => {
    server = await startServer({ liveRoutes: {}, clientFile: "/nonexistent/switchboard.js" });
    const js = await fetch(`${server.url}/assets/switchboard.js`);
    expect(js.status).toBe(404);
    expect(await js.json()).toMatchObject({ code: "SB_ERR_CLIENT_MISSING" });
  });

  test("a websocket asking for another protocol version is refused with HTTP 400", async () => {
    server = await startServer({ liveRoutes: {} });
    await expect(TestSocket.connect(server, { query: "&vsn=1.0.0" })).rejects.toThrow(/HTTP 400/);
  });

  test("a flash put before a redirect in the HTTP render reaches the next page", async () => {
    const From = defineLive({
      mount(_c, socket) {
        socket.putFlash("info", "Moved here");
        socket.redirect("/to");
      },
      render: () => html`<p>from</p>`,
    });
    const To = defineLive({
      mount() {},
      render: (_a, { flash }) => html`<p class="flash">${flash.info ?? "none"}</p>`,
    });
    server = await startServer({ liveRoutes: { "/from": From, "/to": To } });
    const first = await loadPage(server, "/from");
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("/to");
    const flashCookie = first.headers.getSetCookie().find((c) => c.startsWith("_sb_flash="))!.split(";")[0]!;
    const next = await loadPage(server, "/to", `${first.cookie}; ${flashCookie}`);
    expect(next.html).toContain('<p class="flash">Moved here</p>');
    const forged = await loadPage(server, "/to", `${first.cookie}; _sb_flash=forged.token.value`);
    expect(forged.html).toContain('<p class="flash">none</p>');
  });
});

describe("plugin: liveSession", () => {
  test("data from liveSession reaches the view's session for this page only, signed, and survives the join", async () => {
    const { live } = await import("../../src/testing/index.ts");
    const Who = defineLive({
      mount({ session }) {
        if (session.admin !== true) throw new Error("not an admin");
      },
      render: () => html`<p>admin page</p>`,
    });
    const app = Fastify();
    await app.register(switchboard, {
      liveRoutes: { "/admin": Who },
      liveSession: (request) => (request.headers["x-admin"] === "yes" ? { admin: true } : {}),
    });
    const view = await live(app, "/admin", { headers: { "x-admin": "yes" } });
    expect(view.render()).toBe("<p>admin page</p>");
    // The same browser without the header gets no admin session: the cookie never carried it.
    const plain = await app.inject({ method: "GET", url: "/admin", cookies: view.cookies });
    expect(plain.statusCode).toBe(500);
    await app.close();
  });
});
