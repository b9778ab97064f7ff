// The client's connection in real Chromium: the server killed (SIGKILL) and restarted on the same
// port mid-session, two tabs hearing one PubSub broadcast, and the long-polling fallback when the
// websocket is refused.

import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { hasBrowser, launchBrowser } from "../support/browser.ts";
import { openLive, ROOT, text, waitText } from "../support/e2e.ts";
import { startFixture, type FixtureServer } from "./fixture-app.ts";

const fixtureScript = fileURLToPath(new URL("./fixture-app.ts", import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return port;
}

/** The fixture app in a child process, so it can die as a crashed server does. */
async function spawnFixture(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", fixtureScript], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      if (out.includes("listening on")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the fixture server exited with ${code} before listening: ${out}`)));
  });
  return child;
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

describe.skipIf(!hasBrowser)("the client in Chromium: reconnecting, tabs, long polling", () => {
  let browser: Browser;
  let server: FixtureServer;
  let context: BrowserContext;
  let child: ChildProcess | undefined;

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
    await kill(child);
  });

  test("after the server is killed the root shows phx-error, reconnects by itself once it is back, and the typed form input survives", async () => {
    const port = await freePort();
    child = await spawnFixture(port);
    const url = `http://127.0.0.1:${port}`;
    const page = await openLive(context, `${url}/recover`);
    await page.evaluate(() => ((window as any).marker = "same page"));
    await page.fill("#title", "hello");
    await waitText(page, "#server-title", "hello");

    await kill(child);
    await page.waitForSelector(`${ROOT}.phx-error`, { state: "attached" });
    // Typed while the server is down: the new server never hears of it until the rejoin.
    await page.fill("#title", "hello again");
    await page.fill("#body", "written offline");
    await page.click("#server-title"); // nothing is focused when the view comes back

    child = await spawnFixture(port);
    await page.waitForSelector(`${ROOT}.phx-connected`, { state: "attached", timeout: 10_000 });
    // The new server mounted the view afresh (empty assigns) and got the form back from the page.
    await waitText(page, "#server-title", "hello again");
    expect(await text(page, "#server-body")).toBe("written offline");
    expect(await page.inputValue("#title")).toBe("hello again");
    expect(await page.inputValue("#body")).toBe("written offline");
    expect(await page.evaluate(() => (window as any).marker)).toBe("same page");
    // Hooks hear of the outage once, however many reconnection attempts it took.
    expect(await page.evaluate(() => (window as any).hookLog)).toEqual(["mounted:0", "disconnected", "reconnected"]);
    // And it is live again.
    await page.fill("#title", "back online");
    await waitText(page, "#server-title", "back online");
  });

  test("two tabs both receive one PubSub broadcast", async () => {
    const one = await openLive(context, `${server.url}/room?me=one`);
    const two = await openLive(context, `${server.url}/room?me=two`);
    await one.click("#shout");
    await waitText(one, "#messages", "one says hi");
    await waitText(two, "#messages", "one says hi");
    await two.click("#shout");
    await waitText(one, "#messages", "one says hi | two says hi");
    await waitText(two, "#messages", "one says hi | two says hi");
  });

  test("when the websocket is refused the page joins and counts over long polling", async () => {
    const blocked = await startFixture({ blockWebSocket: true });
    try {
      const polls: Request[] = [];
      const page = await openLive(context, `${blocked.url}/counter`, (page) =>
        page.on("request", (request) => {
          if (request.url().includes("/live/longpoll")) polls.push(request);
        }),
      );
      await page.click("#inc5");
      await waitText(page, "#count", "5");
      await page.click("#inc1");
      await waitText(page, "#count", "6");
      expect(polls.some((r) => r.method() === "GET")).toBe(true);
      // The event travelled in a long-poll POST.
      expect(polls.some((r) => r.method() === "POST" && (r.postData() ?? "").includes('"event"'))).toBe(true);
      await page.close();
    } finally {
      await blocked.close();
    }
  });
});
