// Sessions and their proofs, over real HTTP and websockets: a live join must carry a valid,
// unexpired session token and a CSRF token matching the session cookie the websocket carried;
// each failure is an explicit error reply with its code. Production refuses to start without a
// real secret, and the session cookie carries the right flags.

import Fastify from "fastify";
import { afterEach, describe, expect, test } from "vitest";
import { Endpoint } from "../../src/switchboard/endpoint.ts";
import { SwitchboardError } from "../../src/switchboard/errors.ts";
import { html } from "../../src/switchboard/index.ts";
import { defineLive } from "../../src/switchboard/live-view.ts";
import { switchboard, type SwitchboardOptions } from "../../src/switchboard/plugin.ts";
import { checkCsrf, csrfToken, defaultSessionConfig, newSession, readFlash, readSession, sessionCookie, verifyJoin } from "../../src/switchboard/session.ts";
import { DEV_SECRET, Signer } from "../../src/switchboard/token.ts";
import { LiveClient, loadPage, startServer, TestSocket, type Page, type TestServer } from "../support/socket-client.ts";

const Whoami = defineLive<{ cart: string }>({
  mount({ session }, socket) {
    socket.assign({ cart: String(session.cart ?? "none") });
  },
  render: ({ cart }) => html`<p>cart ${cart}</p>`,
});

let servers: TestServer[] = [];
let sockets: TestSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

let carts = 0;
async function start(options: SwitchboardOptions = {}): Promise<TestServer> {
  const server = await startServer({ liveRoutes: { "/": Whoami }, initSession: () => ({ cart: `c${++carts}` }), ...options });
  servers.push(server);
  return server;
}

async function connect(server: TestServer, cookie?: string): Promise<TestSocket> {
  const socket = await TestSocket.connect(server, { cookie });
  sockets.push(socket);
  return socket;
}

/** Joins the page's view with its join payload changed by `change`; resolves with the reply payload. */
async function liveJoin(socket: TestSocket, server: TestServer, page: Page, change: (payload: Record<string, any>) => void = () => {}): Promise<{ status: string; response: any }> {
  const payload: Record<string, any> = { url: `${server.url}/`, session: page.session, params: { _csrf_token: page.csrf } };
  change(payload);
  const reply = await socket.push(`lv:${page.id}`, "phx_join", payload, socket.nextRef());
  return reply[4];
}

/** A join refused with `code`, after which the connection still joins the page correctly. */
async function expectRefused(server: TestServer, page: Page, socket: TestSocket, code: string, change: (payload: Record<string, any>) => void) {
  const reply = await liveJoin(socket, server, page, change);
  expect(reply).toEqual({ status: "error", response: { code, reason: expect.stringContaining(code) } });
  expect([...server.app.switchboard.connections].every((c) => c.processes.size === 0)).toBe(true);
  return reply;
}

describe("live join: the session token", () => {
  test("a valid join mounts the view with the session's data", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    const view = await LiveClient.join(socket, page, server, "/");
    expect(view.joinReply![4].status).toBe("ok");
    expect(view.html()).toMatch(/^<p>cart c\d+<\/p>$/);
    expect(view.html()).toBe(/<div id="phx-[^"]+" data-phx-main[^>]*>(.*?)<\/div>/.exec(page.html)![1]);
  });

  test("a missing session token is refused with SB_ERR_TOKEN_INVALID, and the connection still joins correctly", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    const reply = await expectRefused(server, page, socket, "SB_ERR_TOKEN_INVALID", (p) => delete p.session);
    expect(reply.response.reason).toMatch(/missing/);
    expect((await liveJoin(socket, server, page)).status).toBe("ok");
  });

  test("a session token whose data was altered is refused with SB_ERR_TOKEN_INVALID", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    const [, time, signature] = page.session.split(".");
    const live = JSON.parse(Buffer.from(page.session.split(".")[0]!, "base64url").toString());
    const forged = `${Buffer.from(JSON.stringify({ ...live, s: { cart: "someone-else" } })).toString("base64url")}.${time}.${signature}`;
    const reply = await expectRefused(server, page, socket, "SB_ERR_TOKEN_INVALID", (p) => (p.session = forged));
    expect(reply.response.reason).toMatch(/signature/);
  });

  test("a session token signed with another secret is refused with SB_ERR_TOKEN_INVALID", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    const live = JSON.parse(Buffer.from(page.session.split(".")[0]!, "base64url").toString());
    const forged = new Signer("an-attacker-secret-that-is-long-enough-32").sign("live", live);
    await expectRefused(server, page, socket, "SB_ERR_TOKEN_INVALID", (p) => (p.session = forged));
  });

  test("a token of another purpose (the CSRF token) as the session is refused with SB_ERR_TOKEN_INVALID", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    await expectRefused(server, page, socket, "SB_ERR_TOKEN_INVALID", (p) => (p.session = page.csrf));
  });

  test.each([42, { s: {} }, "garbage"])("a session that is not a token (%j) is refused with SB_ERR_TOKEN_INVALID", async (session) => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    await expectRefused(server, page, socket, "SB_ERR_TOKEN_INVALID", (p) => (p.session = session));
  });

  test("an expired session token is refused with SB_ERR_TOKEN_EXPIRED", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    const live = JSON.parse(Buffer.from(page.session.split(".")[0]!, "base64url").toString());
    const old = new Signer(DEV_SECRET).sign("live", live, Date.now() - defaultSessionConfig.liveMaxAgeMs - 60_000);
    const reply = await expectRefused(server, page, socket, "SB_ERR_TOKEN_EXPIRED", (p) => (p.session = old));
    expect(reply.response.reason).toMatch(/older than/);
    expect((await liveJoin(socket, server, page)).status).toBe("ok");
  });

  test("a session token just within session.liveMaxAgeMs is accepted", async () => {
    const server = await start({ session: { liveMaxAgeMs: 60_000 } });
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    const live = JSON.parse(Buffer.from(page.session.split(".")[0]!, "base64url").toString());
    const signer = new Signer(DEV_SECRET);
    expect((await liveJoin(socket, server, page, (p) => (p.session = signer.sign("live", live, Date.now() - 50_000)))).status).toBe("ok");
    await expectRefused(server, page, socket, "SB_ERR_TOKEN_EXPIRED", (p) => (p.session = signer.sign("live", live, Date.now() - 70_000)));
  });
});

describe("live join: the CSRF token and the cookie", () => {
  test("a missing CSRF token is refused with SB_ERR_CSRF", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    await expectRefused(server, page, socket, "SB_ERR_CSRF", (p) => delete p.params._csrf_token);
    await expectRefused(server, page, socket, "SB_ERR_CSRF", (p) => delete p.params);
    expect((await liveJoin(socket, server, page)).status).toBe("ok");
  });

  test("a forged CSRF token is refused with SB_ERR_CSRF", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    const forgedSecret = new Signer("an-attacker-secret-that-is-long-enough-32").sign("csrf", "whatever");
    await expectRefused(server, page, socket, "SB_ERR_CSRF", (p) => (p.params._csrf_token = forgedSecret));
    const tampered = page.csrf.slice(0, -3) + (page.csrf.endsWith("AAA") ? "BBB" : "AAA");
    await expectRefused(server, page, socket, "SB_ERR_CSRF", (p) => (p.params._csrf_token = tampered));
  });

  test("an expired CSRF token is refused with SB_ERR_CSRF, saying it expired", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    const secret = JSON.parse(Buffer.from(page.csrf.split(".")[0]!, "base64url").toString());
    const old = new Signer(DEV_SECRET).sign("csrf", secret, Date.now() - defaultSessionConfig.maxAgeMs - 60_000);
    const reply = await expectRefused(server, page, socket, "SB_ERR_CSRF", (p) => (p.params._csrf_token = old));
    expect(reply.response.reason).toMatch(/SB_ERR_TOKEN_EXPIRED/);
  });

  test("a connection without the session cookie is refused with SB_ERR_CSRF", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server);
    const reply = await expectRefused(server, page, socket, "SB_ERR_CSRF", () => {});
    expect(reply.response.reason).toMatch(/no valid session cookie/);
  });

  test("a connection with a forged session cookie is refused with SB_ERR_CSRF", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const [name, value] = page.cookie.split("=") as [string, string];
    const forged = `${name}=${value.slice(0, -3)}${value.endsWith("AAA") ? "BBB" : "AAA"}`;
    const socket = await connect(server, forged);
    await expectRefused(server, page, socket, "SB_ERR_CSRF", () => {});
  });

  test("another session's cookie with this page's tokens is refused with SB_ERR_CSRF", async () => {
    const server = await start();
    const mine = await loadPage(server, "/");
    const theirs = await loadPage(server, "/");
    expect(theirs.cookie).not.toBe(mine.cookie);
    const socket = await connect(server, theirs.cookie);
    const reply = await expectRefused(server, mine, socket, "SB_ERR_CSRF", () => {});
    expect(reply.response.reason).toMatch(/another session/);
  });

  test("another page's session token with this session's cookie and CSRF token is refused with SB_ERR_CSRF", async () => {
    const server = await start();
    const mine = await loadPage(server, "/");
    const theirs = await loadPage(server, "/");
    const socket = await connect(server, mine.cookie);
    const reply = await expectRefused(server, mine, socket, "SB_ERR_CSRF", (p) => (p.session = theirs.session));
    expect(reply.response.reason).toMatch(/session token belongs to another session/);
  });

  test("a second page load with the cookie keeps the session, and its tokens join", async () => {
    const server = await start();
    const first = await loadPage(server, "/");
    const second = await loadPage(server, "/", first.cookie);
    expect(second.headers.get("set-cookie")).toBeNull();
    expect(second.html).toContain(/<p>cart (c\d+)<\/p>/.exec(first.html)![0]);
    const socket = await connect(server, first.cookie);
    expect((await liveJoin(socket, server, second)).status).toBe("ok");
  });
});

describe("live join: the payload", () => {
  test.each([
    ["missing", undefined],
    ["not a string", 7],
    ["not an absolute URL", "/relative"],
  ])("a url that is %s is refused with SB_ERR_JOIN_PAYLOAD", async (_name, url) => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    await expectRefused(server, page, socket, "SB_ERR_JOIN_PAYLOAD", (p) => (p.url = url));
  });

  test("a url with no live route is refused with SB_ERR_NO_ROUTE", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    const socket = await connect(server, page.cookie);
    const reply = await liveJoin(socket, server, page, (p) => (p.url = `${server.url}/nowhere`));
    expect(reply).toEqual({ status: "error", response: { code: "SB_ERR_NO_ROUTE", reason: expect.stringContaining("/nowhere") } });
  });
});

describe("secrets in production", () => {
  const view = { "/": Whoami };

  async function registerError(options: SwitchboardOptions): Promise<unknown> {
    const app = Fastify();
    try {
      await app.register(switchboard, options);
      await app.ready();
    } catch (error) {
      return error;
    } finally {
      await app.close().catch(() => {});
    }
    return null;
  }

  test("a production endpoint without a secret throws SB_ERR_SECRET_REQUIRED at registration", async () => {
    const error = await registerError({ production: true, liveRoutes: view });
    expect(error).toBeInstanceOf(SwitchboardError);
    expect((error as SwitchboardError).code).toBe("SB_ERR_SECRET_REQUIRED");
  });

  test("a production endpoint with the development secret throws SB_ERR_SECRET_REQUIRED at registration", async () => {
    expect(await registerError({ production: true, secret: DEV_SECRET, liveRoutes: view })).toMatchObject({ code: "SB_ERR_SECRET_REQUIRED" });
  });

  test("NODE_ENV=production counts as production", () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      expect(() => new Endpoint()).toThrow(expect.objectContaining({ code: "SB_ERR_SECRET_REQUIRED" }));
      expect(new Endpoint({ secret: "s".repeat(40) }).production).toBe(true);
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  test("a secret shorter than 32 characters throws SB_ERR_SECRET at registration", async () => {
    expect(await registerError({ secret: "short", liveRoutes: view })).toMatchObject({ code: "SB_ERR_SECRET" });
  });

  test("outside production the development secret is the default", () => {
    const endpoint = new Endpoint({ production: false });
    expect(() => new Signer(DEV_SECRET).verify("x", endpoint.signer.sign("x", 1), 1000)).not.toThrow();
  });
});

describe("the session cookie", () => {
  function cookieAttributes(page: Page): string[] {
    return page.headers.get("set-cookie")!.split(";").map((part) => part.trim().toLowerCase());
  }

  test("is HttpOnly, SameSite=Lax, on path / and not Secure outside production", async () => {
    const server = await start();
    const page = await loadPage(server, "/");
    expect(page.cookie).toMatch(/^_sb_session=/);
    const attributes = cookieAttributes(page);
    expect(attributes).toContain("httponly");
    expect(attributes).toContain("samesite=lax");
    expect(attributes).toContain("path=/");
    expect(attributes).toContain(`max-age=${defaultSessionConfig.maxAgeMs / 1000}`);
    expect(attributes).not.toContain("secure");
  });

  test("is Secure in production", async () => {
    const server = await start({ production: true, secret: "a-production-secret-of-forty-eight-characters!!" });
    const attributes = cookieAttributes(await loadPage(server, "/"));
    expect(attributes).toContain("secure");
    expect(attributes).toContain("httponly");
    expect(attributes).toContain("samesite=lax");
  });

  test("takes its name from session.cookie", async () => {
    const server = await start({ session: { cookie: "shop_session" } });
    const page = await loadPage(server, "/");
    expect(page.cookie).toMatch(/^shop_session=/);
    const socket = await connect(server, page.cookie);
    expect((await liveJoin(socket, server, page)).status).toBe("ok");
  });

  test("a forged cookie is replaced by a new session", async () => {
    const server = await start();
    const page = await loadPage(server, "/", "_sb_session=forged.value.here");
    expect(page.headers.get("set-cookie")).toMatch(/^_sb_session=/);
    expect(page.cookie).not.toBe("_sb_session=forged.value.here");
  });
});

describe("session functions", () => {
  const endpoint = new Endpoint({ production: false });

  test("readSession returns the session for its own cookie, and null when absent, forged or expired", () => {
    const session = newSession({ cart: "c1" });
    expect(readSession(endpoint, sessionCookie(endpoint, session))).toEqual(session);
    expect(readSession(endpoint, undefined)).toBeNull();
    expect(readSession(endpoint, "a.b.c")).toBeNull();
    expect(readSession(endpoint, endpoint.signer.sign("cookie", session, Date.now() - endpoint.session.maxAgeMs - 1))).toBeNull();
    expect(readSession(endpoint, endpoint.signer.sign("cookie", { csrf: 1, data: {} }))).toBeNull();
  });

  test("checkCsrf accepts the session's own token only", () => {
    const a = newSession({});
    const b = newSession({});
    expect(checkCsrf(endpoint, csrfToken(endpoint, a), a)).toBeNull();
    expect(checkCsrf(endpoint, csrfToken(endpoint, b), a)?.code).toBe("SB_ERR_CSRF");
    expect(checkCsrf(endpoint, csrfToken(endpoint, a), null)?.code).toBe("SB_ERR_CSRF");
    expect(checkCsrf(endpoint, undefined, a)?.code).toBe("SB_ERR_CSRF");
  });

  test("verifyJoin returns the session data, URL and flash for a valid payload", () => {
    const session = newSession({ cart: "c9" });
    const info = { origin: null, cookies: { _sb_session: sessionCookie(endpoint, session) }, headers: {}, remoteAddress: null };
    const payload = {
      url: "http://127.0.0.1/x?a=1",
      session: endpoint.signer.sign("live", { s: session.data, c: session.csrf }),
      params: { _csrf_token: csrfToken(endpoint, session) },
      flash: endpoint.signer.sign("flash", { info: "saved" }),
    };
    const verified = verifyJoin(endpoint, info, payload);
    expect(verified).toEqual({ session: { cart: "c9" }, url: new URL("http://127.0.0.1/x?a=1"), flash: { info: "saved" } });
  });

  test("readFlash ignores forged, stale and malformed flash tokens", () => {
    expect(readFlash(endpoint, endpoint.signer.sign("flash", { info: "ok", n: 1 }))).toEqual({ info: "ok" });
    expect(readFlash(endpoint, new Signer("x".repeat(32)).sign("flash", { info: "forged" }))).toEqual({});
    expect(readFlash(endpoint, endpoint.signer.sign("flash", { info: "old" }, Date.now() - 120_000))).toEqual({});
    expect(readFlash(endpoint, endpoint.signer.sign("flash", ["a"]))).toEqual({});
    expect(readFlash(endpoint, undefined)).toEqual({});
  });
});
