// Navigation and pushed-event assertions (src/testing/assertions.ts): they take the oldest matching
// record, say what did happen when they fail, and followRedirect() follows each kind as the
// browser does.

import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { defineLive, html, type EventValue } from "../../src/switchboard/index.ts";
import { FLASH_COOKIE } from "../../src/switchboard/session.ts";
import { assertPatch, assertPushEvent, assertRedirect, followRedirect, live, type LiveRedirect, type TestView } from "../../src/testing/index.ts";
import { createApp, type TestApp } from "../support/app.ts";

let t: TestApp;
let view: TestView;

const Start = defineLive<{ page: string }, Record<string, EventValue>>({
  mount: (_c, socket) => socket.assign({ page: "1" }),
  handleParams: (params, _url, socket) => socket.assign({ page: String(params.page ?? "1") }),
  handleEvent: {
    patch: ({ to }, socket) => socket.pushPatch(String(to)),
    navigate(_v, socket) {
      socket.putFlash("info", "navigated");
      socket.pushNavigate("/end");
    },
    redirect(_v, socket) {
      socket.putFlash("info", "redirected");
      socket.redirect("/end");
    },
    push: ({ n }, socket) => socket.pushEvent("ping", { n: Number(n) }),
  },
  render: ({ page }) => html`<p>page ${page}</p>`,
});

const End = defineLive<{}>({ mount() {}, render: (_a, { flash }) => html`<p>end: ${flash.info ?? "no flash"}</p>` });

/** Sends the browser elsewhere only once joined: the join's reply names where to go. */
const Bouncer = (kind: "navigate" | "redirect") =>
  defineLive<{}>({
    mount(_c, socket) {
      if (!socket.connected) return;
      socket.putFlash("info", `bounced (${kind})`);
      if (kind === "navigate") socket.pushNavigate("/end");
      else socket.redirect("/end");
    },
    render: () => html`<p>bouncer</p>`,
  });

beforeEach(async () => {
  t = await createApp({ liveRoutes: { "/": Start, "/end": End, "/bounce-live": Bouncer("navigate"), "/bounce-page": Bouncer("redirect") } });
  view = await live(t.app, "/");
});
afterEach(() => t?.close());

describe("assertPatch and assertRedirect", () => {
  test("take the oldest matching navigation, in order, and return it", async () => {
    await view.pushEvent("click", "patch", { to: "/?page=2" });
    await view.pushEvent("click", "navigate", {});
    await view.pushEvent("click", "patch", { to: "/?page=3" });
    expect(assertPatch(view)).toBe("/?page=2");
    expect(assertRedirect(view, "/end")).toMatchObject({ kind: "navigate", to: "/end", replace: false });
    expect(assertPatch(view, "/?page=3")).toBe("/?page=3");
    expect(view.navigations).toEqual([]);
  });

  test("fail with SB_ERR_TEST_NAVIGATION saying what happened instead", async () => {
    expect(() => assertPatch(view)).toThrow(expect.objectContaining({ code: "SB_ERR_TEST_NAVIGATION", message: expect.stringContaining("no navigation") }));
    await view.pushEvent("click", "patch", { to: "/?page=2" });
    expect(() => assertPatch(view, "/?page=9")).toThrow(expect.objectContaining({ message: expect.stringContaining("patch to /?page=2") }));
    expect(() => assertRedirect(view)).toThrow(expect.objectContaining({ code: "SB_ERR_TEST_NAVIGATION" }));
    // A failed assertion consumes nothing.
    expect(assertPatch(view)).toBe("/?page=2");
  });
});

describe("followRedirect", () => {
  test("a live navigation joins the next view over the same connection, leaving this one, with the flash", async () => {
    await view.pushEvent("click", "navigate", {});
    const next = await followRedirect(view);
    expect(next.socket).toBe(view.socket);
    expect(view.joined).toBe(false);
    expect(next.render()).toBe("<p>end: navigated</p>");
  });

  test("a redirect is a page load: the old connection closes and the flash travels in the cookie", async () => {
    await view.pushEvent("click", "redirect", {});
    const next = await followRedirect(view);
    expect(view.socket.closed).toBe(true);
    expect(next.socket).not.toBe(view.socket);
    expect(next.deadHTML).toBe("<p>end: redirected</p>");
    expect(next.render()).toBe("<p>end: redirected</p>");
    expect(next.cookies[FLASH_COOKIE]).toBeUndefined(); // consumed by the page that showed it
  });

  test("a join answered with a redirect: live() rejects with LiveRedirect, and followRedirect follows each kind with its flash", async () => {
    const liveNavigation = (await live(t.app, "/bounce-live").catch((error) => error)) as LiveRedirect;
    expect(liveNavigation.navigation).toMatchObject({ kind: "navigate", to: "/end" });
    const afterNavigate = await followRedirect(liveNavigation);
    expect(afterNavigate.socket).toBe(liveNavigation.view!.socket); // over the same connection
    expect(afterNavigate.render()).toBe("<p>end: bounced (navigate)</p>");

    const pageLoad = (await live(t.app, "/bounce-page").catch((error) => error)) as LiveRedirect;
    expect(pageLoad.navigation).toMatchObject({ kind: "redirect", to: "/end" });
    expect(pageLoad.view!.socket.closed).toBe(true); // the page is left
    const afterRedirect = await followRedirect(pageLoad);
    expect(afterRedirect.render()).toBe("<p>end: bounced (redirect)</p>");
  });

  test("with no redirect recorded it fails with SB_ERR_TEST_NAVIGATION", async () => {
    await view.pushEvent("click", "patch", { to: "/?page=2" });
    await expect(followRedirect(view)).rejects.toMatchObject({ code: "SB_ERR_TEST_NAVIGATION" });
  });
});

describe("assertPushEvent", () => {
  test("takes the oldest pushed event with that name (and payload, compared exactly), and returns its payload", async () => {
    await view.pushEvent("click", "push", { n: "1" });
    await view.pushEvent("click", "push", { n: "2" });
    expect(assertPushEvent(view, "ping", { n: 2 })).toEqual({ n: 2 });
    expect(assertPushEvent(view, "ping")).toEqual({ n: 1 });
    expect(() => assertPushEvent(view, "ping")).toThrow(expect.objectContaining({ code: "SB_ERR_TEST_ASSERTION", message: expect.stringContaining("pushed events: none") }));
  });

  test("a payload that differs is SB_ERR_TEST_ASSERTION listing what was pushed", async () => {
    await view.pushEvent("click", "push", { n: "1" });
    expect(() => assertPushEvent(view, "ping", { n: 1, extra: true })).toThrow(expect.objectContaining({ message: expect.stringContaining(`ping {"n":1}`) }));
  });
});
