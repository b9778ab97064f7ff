// The client in real Chromium: hooks (mounted/updated/destroyed, server-pushed events, pushEvent
// with a reply) and navigation (server pushPatch/pushNavigate, data-phx-link links, back/forward)
// without a full page load.

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { hasBrowser, launchBrowser } from "../support/browser.ts";
import { openLive, text, waitText } from "../support/e2e.ts";
import { startFixture, type FixtureServer } from "./fixture-app.ts";

describe.skipIf(!hasBrowser)("the client in Chromium: hooks and navigation", () => {
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

  const hookLog = (page: Page) => page.evaluate(() => (window as any).hookLog as string[]);
  const waitLog = (page: Page, length: number) => page.waitForFunction((n) => (window as any).hookLog.length >= n, length);

  test("a hook is mounted, updated only when its element changes, and destroyed when it goes", async () => {
    const page = await openLive(context, `${server.url}/hooks`);
    expect(await hookLog(page)).toEqual(["mounted:1"]);
    // A patch elsewhere on the page does not concern the hook's element.
    await page.click("#bump-other");
    await waitText(page, "#other", "1");
    await page.click("#bump");
    await waitLog(page, 2);
    expect(await hookLog(page)).toEqual(["mounted:1", "updated:2"]);
    await page.click("#toggle");
    await page.waitForSelector("#chart", { state: "detached" });
    await page.click("#toggle");
    await page.waitForSelector("#chart");
    expect(await hookLog(page)).toEqual(["mounted:1", "updated:2", "destroyed", "mounted:2"]);
  });

  test("handleEvent receives the server's pushEvent, and pushEvent gets the handler's reply", async () => {
    const page = await openLive(context, `${server.url}/hooks`);
    await page.click("#ping");
    await waitLog(page, 2);
    expect(await hookLog(page)).toEqual(["mounted:1", "highlight:7"]);
    const reply = await page.evaluate(() => new Promise((resolve) => (window as any).chart.pushEvent("double", { n: 21 }, resolve)));
    expect(reply).toEqual({ doubled: 42 });
    // A destroyed hook hears no more events; the one mounted in its place hears each event once.
    await page.click("#toggle");
    await page.waitForSelector("#chart", { state: "detached" });
    await page.click("#toggle");
    await page.waitForSelector("#chart");
    await page.click("#ping");
    await waitLog(page, 5);
    await page.click("#bump-other");
    await waitText(page, "#other", "1");
    expect(await hookLog(page)).toEqual(["mounted:1", "highlight:7", "destroyed", "mounted:1", "highlight:7"]);
  });

  test("server pushPatch and patch links change the URL and params of the same view; pushNavigate and navigate links switch views; no page load", async () => {
    const page = await openLive(context, `${server.url}/nav/a`);
    await page.evaluate(() => ((window as any).marker = "same page"));
    const instance = await text(page, "#instance");

    await page.click("#next");
    await waitText(page, "#title", "A page 2");
    expect(new URL(page.url()).search).toBe("?page=2");
    await page.click("#patch-link");
    await waitText(page, "#title", "A page 5");
    expect(new URL(page.url()).search).toBe("?page=5");
    // Patches keep the view (and its state): the same instance.
    expect(await text(page, "#instance")).toBe(instance);

    await page.click("#go-b");
    await waitText(page, "#title", "B from server");
    expect(page.url()).toBe(`${server.url}/nav/b?from=server`);
    expect(await page.title()).toBe("Page B");
    await page.click("#back-to-a");
    await waitText(page, "#title", "A page 9");
    expect(await text(page, "#instance")).not.toBe(instance);
    await page.click("#navigate-link");
    await waitText(page, "#title", "B from link");
    expect(page.url()).toBe(`${server.url}/nav/b?from=link`);
    expect(await page.evaluate(() => (window as any).marker)).toBe("same page");
  });

  test("back and forward restore the right view and params without a page load", async () => {
    const page = await openLive(context, `${server.url}/nav/a`);
    await page.evaluate(() => ((window as any).marker = "same page"));
    await page.click("#next");
    await waitText(page, "#title", "A page 2");
    await page.click("#patch-link");
    await waitText(page, "#title", "A page 5");
    await page.click("#go-b");
    await waitText(page, "#title", "B from server");

    const steps: [() => Promise<unknown>, string, string][] = [
      [() => page.goBack(), "A page 5", "/nav/a?page=5"],
      [() => page.goBack(), "A page 2", "/nav/a?page=2"],
      [() => page.goBack(), "A page 1", "/nav/a"],
      [() => page.goForward(), "A page 2", "/nav/a?page=2"],
      [() => page.goForward(), "A page 5", "/nav/a?page=5"],
      [() => page.goForward(), "B from server", "/nav/b?from=server"],
      [() => page.goBack(), "A page 5", "/nav/a?page=5"],
    ];
    for (const [go, title, path] of steps) {
      await go();
      await waitText(page, "#title", title);
      expect(page.url()).toBe(server.url + path);
    }
    expect(await page.title()).toBe("Page A");
    expect(await page.evaluate(() => (window as any).marker)).toBe("same page");
    // Still live after all that.
    await page.click("#next");
    await waitText(page, "#title", "A page 6");
  });
});
