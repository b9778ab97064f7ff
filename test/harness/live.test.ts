// live() and liveIsolated() (src/testing/live.ts): the HTTP render and what is read from it, the
// cookies a test "browser" keeps, redirects at the HTTP render, several views and tabs, and
// liveIsolated's routeless views.

import { afterEach, describe, expect, test } from "vitest";
import { defineLive, html, type Layout } from "../../src/switchboard/index.ts";
import { FLASH_COOKIE } from "../../src/switchboard/session.ts";
import { followRedirect, live, liveIsolated, LiveRedirect } from "../../src/testing/index.ts";
import { readPage } from "../../src/testing/live.ts";
import { createApp, joinReply, type TestApp } from "../support/app.ts";

let t: TestApp;
afterEach(() => t?.close());

const Whoami = defineLive<{ user: string; visits: number }, { visit: {} }>({
  mount: ({ session }, socket) => socket.assign({ user: String(session.user ?? "nobody"), visits: 0 }),
  handleEvent: { visit: (_v, socket) => socket.update("visits", (n) => n + 1) },
  render: ({ user, visits }, { flash }) => html`<p id="user">${user}</p><button phx-click="visit">${visits}</button>${flash.error ? html`<p class="flash">${flash.error}</p>` : null}`,
});

const Guarded = defineLive<{}>({
  mount(_context, socket) {
    socket.putFlash("error", "Log in first");
    socket.redirect("/");
  },
  render: () => html`<p>private</p>`,
});

describe("live()", () => {
  test("joins with the HTTP render's tokens; deadHTML is the container's content before the join", async () => {
    t = await createApp({ liveRoutes: { "/": Whoami } });
    const view = await live(t.app, "/");
    expect(view.joined).toBe(true);
    expect(view.topic).toMatch(/^lv:phx-/);
    expect(view.deadHTML).toBe(`<p id="user">nobody</p><button phx-click="visit">0</button>`);
    expect(view.render()).toBe(view.deadHTML);
    expect(view.url).toBe("http://localhost/");
    expect(joinReply(view).status).toBe("ok");
  });

  test("`session` becomes the signed session cookie, seen by both mounts", async () => {
    t = await createApp({ liveRoutes: { "/": Whoami } });
    const view = await live(t.app, "/", { session: { user: "ada" } });
    expect(view.deadHTML).toContain("ada");
    expect(view.render()).toContain("ada");
    expect(view.cookies[t.app.switchboard.session.cookie]).toBeTruthy();
  });

  test("a second tab: the same cookies share the session; a new browser gets its own", async () => {
    t = await createApp({ liveRoutes: { "/": Whoami } });
    const first = await live(t.app, "/", { session: { user: "ada" } });
    const second = await live(t.app, "/", { cookies: first.cookies });
    const stranger = await live(t.app, "/");
    expect(second.render()).toContain("ada");
    expect(second.socket).not.toBe(first.socket);
    expect(stranger.render()).toContain("nobody");
    // Each tab is its own view: events in one leave the other as it was.
    await second.element("button").click();
    expect(second.element("button").textContent()).toBe("1");
    expect(first.element("button").textContent()).toBe("0");
  });

  test("several views over one connection, each driven on its own", async () => {
    t = await createApp({ liveRoutes: { "/": Whoami } });
    const a = await live(t.app, "/", { session: { user: "ada" } });
    const b = await live(t.app, "/", { socket: a.socket });
    expect(b.socket).toBe(a.socket);
    expect(b.topic).not.toBe(a.topic);
    expect(b.render()).toContain("ada");
    await a.element("button").click();
    await a.element("button").click();
    await b.element("button").click();
    expect([a.element("button").textContent(), b.element("button").textContent()]).toEqual(["2", "1"]);
    expect(t.app.switchboard.connections.size).toBe(1);
    a.close(); // a closed tab ends every view on its connection
    expect(t.app.switchboard.connections.size).toBe(0);
  });

  test("a page that redirects during the HTTP render rejects with LiveRedirect, its flash in the cookie; followRedirect() follows", async () => {
    t = await createApp({ liveRoutes: { "/": Whoami, "/private": Guarded } });
    const redirect = (await live(t.app, "/private").catch((error) => error)) as LiveRedirect;
    expect(redirect).toBeInstanceOf(LiveRedirect);
    expect(redirect.cookies[FLASH_COOKIE]).toBeTruthy();
    expect(redirect.navigation).toEqual({ kind: "redirect", to: "/", flash: redirect.cookies[FLASH_COOKIE] });
    expect(redirect.view).toBeNull();
    const home = await followRedirect(redirect);
    expect(home.url).toBe("http://localhost/");
    expect(home.deadHTML).toContain(`<p class="flash">Log in first</p>`);
    expect(home.render()).toContain(`<p class="flash">Log in first</p>`);
    // The dead render consumed the flash cookie; the browser no longer holds it.
    expect(home.cookies[FLASH_COOKIE]).toBeUndefined();
    expect(t.app.switchboard.connections.size).toBe(1);
  });

  test("an HTTP error, or a page without a live view, rejects with SB_ERR_TEST_REFUSED and leaves no connection", async () => {
    t = await createApp({ liveRoutes: { "/": Whoami } }, (app) => {
      app.get("/plain", async (_request, reply) => reply.type("text/html").send("<p>not live</p>"));
    });
    await expect(live(t.app, "/missing")).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED", message: expect.stringContaining("HTTP 404") });
    await expect(live(t.app, "/plain")).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED", message: expect.stringContaining("no live view") });
    expect(t.app.switchboard.connections.size).toBe(0);
  });

  test("a refused join rejects with SB_ERR_TEST_REFUSED carrying the server's code, and closes its connection", async () => {
    t = await createApp({ liveRoutes: { "/": Whoami } });
    const ada = await live(t.app, "/", { session: { user: "ada" } });
    // A page loaded by another browser, joined over ada's connection: its CSRF token is not hers.
    const refused = live(t.app, "/", { socket: ada.socket, cookies: { [t.app.switchboard.session.cookie]: "" } });
    await expect(refused).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED", response: { code: "SB_ERR_CSRF" } });
    expect(ada.socket.closed).toBe(false); // a shared connection stays open
  });

  test("cookies the page sets are kept, as a browser keeps them: a forged session cookie is replaced", async () => {
    t = await createApp({ liveRoutes: { "/": Whoami } });
    const cookie = t.app.switchboard.session.cookie;
    const view = await live(t.app, "/", { cookies: { [cookie]: "forged", other: "kept" } });
    expect(view.cookies[cookie]).not.toBe("forged");
    expect(view.cookies.other).toBe("kept");
    expect(view.render()).toContain("nobody");
  });

  test("connectParams and headers reach the endpoint's connect hook; a refusal rejects with SB_ERR_TEST_REFUSED", async () => {
    const seen: unknown[] = [];
    t = await createApp({
      liveRoutes: { "/": Whoami },
      connect: (params, info) => (seen.push([params, info.headers["x-client"], Object.keys(info.cookies)]), params.token === "ok" ? {} : false),
    });
    await live(t.app, "/", { connectParams: { token: "ok" }, headers: { "x-client": "test" } });
    expect(seen).toEqual([[{ token: "ok" }, "test", [t.app.switchboard.session.cookie]]]);
    await expect(live(t.app, "/", { connectParams: { token: "no" } })).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED" });
  });
});

describe("liveIsolated()", () => {
  test("mounts a view that has no route, with its session, at the given URL", async () => {
    const seen: string[] = [];
    const Widget = defineLive<{ who: string }>({
      mount: ({ session, url }, socket) => (seen.push(url.href), socket.assign({ who: String(session.who) })),
      render: ({ who }) => html`<p>${who}</p>`,
    });
    t = await createApp({});
    const view = await liveIsolated(t.app, Widget, { session: { who: "grace" }, url: "/widgets?x=1" });
    expect(view.render()).toBe("<p>grace</p>");
    expect(view.deadHTML).toBe("");
    expect(seen).toEqual(["http://localhost/widgets?x=1"]);
  });

  test("a crash in the isolated view's mount rejects with SB_ERR_TEST_VIEW_CRASHED and the server's error", async () => {
    const Broken = defineLive<{}>({
      mount() {
        throw new Error("no database");
      },
      render: () => html`<p></p>`,
    });
    t = await createApp({});
    await expect(liveIsolated(t.app, Broken)).rejects.toMatchObject({ code: "SB_ERR_TEST_VIEW_CRASHED", cause: { message: "no database" } });
    expect(t.crashes()).toHaveLength(1);
    expect(t.app.switchboard.connections.size).toBe(0);
  });
});

describe("readPage()", () => {
  test("reads the container's id, session and flash and the CSRF token from the plugin's page", async () => {
    t = await createApp({ liveRoutes: { "/": Whoami } });
    const body = (await t.app.inject({ method: "GET", url: "/" })).body;
    const tokens = readPage(body)!;
    expect(tokens.id).toMatch(/^phx-/);
    expect(body).toContain(`id="${tokens.id}" data-phx-main data-phx-session="${tokens.session}"`);
    expect(body).toContain(`<meta name="csrf-token" content="${tokens.csrf}"`);
    expect(tokens.flash).toBeUndefined();
  });

  test("falls back to parsing the page when the layout does not look as expected, and finds none when there is no view", () => {
    const odd = `<html><head><!-- data-phx-main --><meta content="tok&amp;en" name='csrf-token'></head><body><section id="x" data-phx-session="s" data-phx-main>hi</section></body></html>`;
    expect(readPage(odd)).toEqual({ id: "x", session: "s", csrf: "tok&en", flash: undefined });
    expect(readPage("<p>plain</p>")).toBeNull();
  });

  test("a custom layout works the same", async () => {
    const layout: Layout = ({ csrfToken, content }) => html`<html><head><meta content=${csrfToken} name="csrf-token"></head><body><main>${content}</main></body></html>`;
    t = await createApp({ liveRoutes: { "/": Whoami }, layout });
    const view = await live(t.app, "/");
    expect(view.render()).toContain(`<p id="user">nobody</p>`);
  });
});
