// The client in real Chromium against the real server: clicks with phx-value-*, forms (live
// validation, slow submit with loading state and double-submit lock, browser-like serialisation),
// typing while the server pushes updates, and phx-debounce / phx-throttle.

import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { hasBrowser, launchBrowser } from "../support/browser.ts";
import { connected, delay, openLive, record, recorded, ROOT, text, waitText } from "../support/e2e.ts";
import { startFixture, type FixtureServer } from "./fixture-app.ts";

describe.skipIf(!hasBrowser)("the client in Chromium: clicks, forms, typing, rate limits", () => {
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

  test("the root gets phx-connected after joining, and phx-click sends phx-value-* to the server", async () => {
    const page = await context.newPage();
    const response = await page.goto(`${server.url}/counter`);
    expect(await response!.text()).not.toContain("phx-connected");
    await connected(page);
    expect(await page.$eval(ROOT, (el) => [...el.classList])).toEqual(["phx-connected"]);

    await page.click("#inc1");
    await waitText(page, "#count", "1");
    await page.click("#inc5");
    await waitText(page, "#count", "6");
    expect(await text(page, "#clicks")).toBe("2");
    // The loading class is gone once the reply arrived.
    expect(await page.$eval("#inc5", (el) => el.className)).toBe("");
  });

  test("phx-change validates as the user types, with _target naming the field", async () => {
    const page = await openLive(context, `${server.url}/form`);
    await page.type("#email", "ada");
    await waitText(page, "#email-error", "email must contain @");
    expect(await text(page, "#target")).toBe("email");
    await page.type("#email", "@example.com");
    await page.waitForSelector("#email-error", { state: "detached" });
    await page.type("#name", "A");
    await waitText(page, "#target", "name");
    expect(await page.inputValue("#email")).toBe("ada@example.com");
  });

  test("a field the user has just left is not overwritten by the replies to its earlier keystrokes", async () => {
    const page = await openLive(context, `${server.url}/form`);
    // Fifteen change events, each taking the server 15 ms: most replies arrive after the user moved on.
    await page.type("#email", "ada@example.com");
    await page.type("#name", "A");
    await waitText(page, "#target", "name");
    expect(await page.inputValue("#email")).toBe("ada@example.com");
    expect(await text(page, "#server-email")).toBe("ada@example.com");
  });

  test("a slow submit marks the form phx-submit-loading, disables its button with phx-disable-with, and ignores a second submit", async () => {
    const page = await openLive(context, `${server.url}/form`);
    await page.fill("#email", "ada@example.com");
    await waitText(page, "#server-email", "ada@example.com");
    const state = (form: HTMLFormElement) => {
      const button = form.querySelector("button")!;
      return { classes: [...form.classList], disabled: button.disabled, label: button.textContent };
    };
    // A change, then the submit, then two more submits at once (the server takes 600 ms over the
    // first); the form is looked at right away, and again once the change's reply has patched
    // the page while the submit is still waiting for the server.
    const during = await page.$eval("#signup", (form: HTMLFormElement) => {
      const state = () => {
        const button = form.querySelector("button")!;
        return { classes: [...form.classList], disabled: button.disabled, label: button.textContent, target: document.querySelector("#target")!.textContent };
      };
      form.querySelector<HTMLInputElement>("#name")!.value = "Ada";
      form.querySelector("#name")!.dispatchEvent(new Event("input", { bubbles: true }));
      form.querySelector("button")!.click();
      const first = state();
      form.requestSubmit();
      form.requestSubmit();
      return new Promise((resolve) => {
        const target = document.querySelector("#target")!;
        new MutationObserver(() => resolve([first, state()])).observe(target, { childList: true, characterData: true, subtree: true });
      });
    });
    expect(during).toEqual([
      { classes: ["phx-change-loading", "phx-submit-loading"], disabled: true, label: "Saving…", target: "email" },
      { classes: ["phx-submit-loading"], disabled: true, label: "Saving…", target: "name" },
    ]);

    await waitText(page, "#saved", "1");
    expect(await page.$eval("#signup", state)).toEqual({ classes: [], disabled: false, label: "Save" });
    await delay(800); // a second save would have landed by now (each takes 600 ms)
    expect(await text(page, "#saved")).toBe("1");
  });

  test("submitted values are serialised as a browser would: checked boxes, every selected option, repeated names, the submitter", async () => {
    const page = await openLive(context, `${server.url}/form`);
    await page.click("#prefs-save");
    await page.waitForFunction(() => document.querySelector("#received")?.textContent !== "");
    expect(JSON.parse(await text(page, "#received"))).toEqual({
      color: ["red", "blue"],
      news: "yes",
      sizes: ["M", "L"],
      plan: "pro",
      tag: ["a", "b"],
      bio: "hi & bye",
      action: "save",
    });
  });

  test("the focused input keeps its value, caret and selection while the server updates the page every 50 ms", async () => {
    const page = await openLive(context, `${server.url}/clock`);
    await page.click("#note");
    await page.keyboard.type("hello world", { delay: 15 });
    await page.$eval("#note", (input: HTMLInputElement) => input.setSelectionRange(2, 7));
    const ticks = Number(await text(page, "#clock"));
    // The server still holds "" for the field (debounced), so every tick renders value="".
    await page.waitForFunction((t) => Number(document.querySelector("#clock")!.textContent) >= t + 6, ticks);
    const state = () =>
      page.$eval("#note", (input: HTMLInputElement) => ({
        value: input.value,
        selection: [input.selectionStart, input.selectionEnd],
        focused: document.activeElement === input,
      }));
    expect(await state()).toEqual({ value: "hello world", selection: [2, 7], focused: true });
    // Once the debounced change arrives the server echoes it, and the field is still as the user left it.
    await waitText(page, "#echo", "hello world");
    const echoed = Number(await text(page, "#clock"));
    await page.waitForFunction((t) => Number(document.querySelector("#clock")!.textContent) >= t + 3, echoed);
    expect(await state()).toEqual({ value: "hello world", selection: [2, 7], focused: true });
  });

  test("phx-debounce in ms sends one event once the typing has paused that long", async () => {
    const page = await openLive(context, `${server.url}/limits`);
    await record(page, "#search-n");
    await page.click("#debounced");
    await page.keyboard.type("hello", { delay: 20 });
    await waitText(page, "#search-n", "1");
    expect(await text(page, "#search-v")).toBe("hello");
    await delay(400);
    const { changes, inputs } = await recorded(page);
    expect(changes.map(([, t]) => t)).toEqual(["1"]);
    expect(inputs).toHaveLength(5);
    // Sent about 300 ms after the last keystroke (the page's clock, not the test's; browsers'
    // timers may fire a few ms early).
    expect(changes[0]![0] - inputs[4]!).toBeGreaterThanOrEqual(280);
  });

  test('phx-debounce="blur" sends only when the field loses focus', async () => {
    const page = await openLive(context, `${server.url}/limits`);
    await page.click("#on-blur");
    await page.keyboard.type("abc", { delay: 10 });
    await delay(400);
    expect(await text(page, "#blur-n")).toBe("0");
    await page.click("#elsewhere");
    await waitText(page, "#blur-n", "1");
    expect(await text(page, "#blur-v")).toBe("abc");
  });

  test("phx-throttle sends the first click at once and at most one more per interval", async () => {
    const page = await openLive(context, `${server.url}/limits`);
    await record(page, "#throttled-n");
    const clickedAt = await page.$eval("#throttled", (button: HTMLButtonElement) => {
      for (let i = 0; i < 5; i++) button.click();
      return performance.now();
    });
    await waitText(page, "#throttled-n", "2");
    await delay(500);
    const { changes } = await recorded(page);
    expect(changes.map(([, t]) => t)).toEqual(["1", "2"]);
    // The trailing event waited out the 300 ms interval (the page's clock; timers may fire a few ms early).
    expect(changes[1]![0] - clickedAt).toBeGreaterThanOrEqual(280);
  });
});
