// The client in real Chromium: client-side JS commands (no round trip, and their effect survives
// server patches), phx-click-away, phx-keydown with phx-key, phx-window-keydown, phx-focus and
// phx-blur, phx-update="ignore", phx-target to a live component, and scroll positions kept.

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { hasBrowser, launchBrowser } from "../support/browser.ts";
import { openLive, sentEvents, text, waitText } from "../support/e2e.ts";
import { startFixture, type FixtureServer } from "./fixture-app.ts";

describe.skipIf(!hasBrowser)("the client in Chromium: commands and bindings", () => {
  let browser: Browser;
  let server: FixtureServer;
  let context: BrowserContext;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(), startFixture()]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), server?.close()]);
  });
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(async () => {
    await context?.close();
  });

  const display = (el: Element) => getComputedStyle(el).display;

  test("JS.toggle, JS.show and JS.addClass change the page with no round trip, and a server patch of the same elements keeps their effect", async () => {
    let sent: unknown[][] = [];
    const page = await openLive(context, `${server.url}/commands`, (page) => (sent = sentEvents(page)));
    expect(await page.$eval("#menu", display)).toBe("none");
    await page.click("#toggle-menu");
    expect(await page.$eval("#menu", display)).toBe("block");
    await page.click("#mark");
    expect(await page.$eval("#box", (el) => el.className)).toBe("box v0 marked");
    expect(sent).toEqual([]);

    await page.click("#bump");
    await waitText(page, "#menu", "menu 1");
    expect(await page.$eval("#menu", display)).toBe("block");
    expect(await page.$eval("#box", (el) => [el.textContent, el.className])).toEqual(["box 1", "box v1 marked"]);
    expect(sent).toHaveLength(1);

    await page.click("#toggle-menu");
    expect(await page.$eval("#menu", display)).toBe("none");
    await page.click("#bump");
    await waitText(page, "#menu", "menu 2");
    expect(await page.$eval("#menu", display)).toBe("none");
    await page.click("#show-menu");
    expect(await page.$eval("#menu", display)).toBe("flex");
    expect(sent).toHaveLength(2);
  });

  test("JS.hide(...).push(...) hides at once and sends the event with the element's phx-value-*", async () => {
    const page = await openLive(context, `${server.url}/commands`);
    await page.click("#dismiss");
    expect(await page.$eval("#banner", display)).toBe("none");
    await waitText(page, "#dismissed", "2");
    await page.click("#bump");
    await waitText(page, "#banner", "banner 1");
    expect(await page.$eval("#banner", display)).toBe("none");
  });

  const log = (page: Page) => text(page, "#log");

  test("phx-click-away fires for clicks outside the element only", async () => {
    const page = await openLive(context, `${server.url}/bindings`);
    await page.click("#open");
    await page.waitForSelector("#dropdown");
    await page.click("#inside");
    // Events travel in order: once the key is logged, a close sent by that click would be too.
    await page.keyboard.press("Escape");
    await waitText(page, "#log", "win:Escape");
    await page.click("#n");
    await waitText(page, "#log", "win:Escape,close");
    await page.waitForSelector("#dropdown", { state: "detached" });
  });

  test("phx-keydown honours phx-key, phx-window-keydown hears keys anywhere, and phx-focus / phx-blur fire", async () => {
    const page = await openLive(context, `${server.url}/bindings`);
    await page.click("#field");
    await waitText(page, "#log", "focus");
    await page.keyboard.press("a");
    await page.keyboard.press("Enter");
    await waitText(page, "#log", "focus,key:Enter");
    await page.keyboard.press("Escape");
    await waitText(page, "#log", "focus,key:Enter,win:Escape");
    await page.click("#n");
    await waitText(page, "#log", "focus,key:Enter,win:Escape,blur");
    // A key that matches no filter sends nothing.
    await page.keyboard.press("x");
    await page.click("#bump");
    await waitText(page, "#n", "1");
    expect(await log(page)).toBe("focus,key:Enter,win:Escape,blur");
  });

  test('phx-update="ignore" keeps what the client put there across patches', async () => {
    const page = await openLive(context, `${server.url}/bindings`);
    await page.$eval("#ignored", (el) => {
      el.textContent = "client owned";
      el.setAttribute("data-client", "yes");
    });
    await page.click("#bump");
    await waitText(page, "#n", "1");
    await page.click("#bump");
    await waitText(page, "#n", "2");
    expect(await page.$eval("#ignored", (el) => [el.textContent, el.getAttribute("data-client")])).toEqual(["client owned", "yes"]);
  });

  test("phx-target sends the event to the live component, not the view", async () => {
    const page = await openLive(context, `${server.url}/bindings`);
    await page.click("#tally-inc");
    await waitText(page, "#tally-inc", "component 1");
    await page.click("#tally-inc");
    await waitText(page, "#tally-inc", "component 2");
    expect(await log(page)).toBe("");
    await page.click("#parent-inc");
    await waitText(page, "#log", "parent-inc");
    expect(await text(page, "#tally-inc")).toBe("component 2");
  });

  test("scroll positions are kept across patches", async () => {
    const page = await openLive(context, `${server.url}/bindings`);
    await page.$eval("#scroller", (el) => (el.scrollTop = 200));
    await page.click("#bump");
    await waitText(page, "#n", "1");
    await waitText(page, "#scroller", "rows 1");
    expect(await page.$eval("#scroller", (el) => el.scrollTop)).toBe(200);
  });
});
