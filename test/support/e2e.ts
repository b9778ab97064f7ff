// Helpers for the client's end-to-end tests: open a live page and wait until it has joined, read
// and wait for text, and count the frames the page sends over its websocket.

import type { BrowserContext, Page } from "playwright-core";

export const ROOT = "[data-phx-main]";

/** Opens `url` in a new page of `context` (after `setup`, e.g. listeners) and waits until its live view has joined. */
export async function openLive(context: BrowserContext, url: string, setup?: (page: Page) => void): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error on ${url}:`, error));
  setup?.(page);
  await page.goto(url);
  await connected(page);
  return page;
}

export function connected(page: Page): Promise<unknown> {
  return page.waitForSelector(`${ROOT}.phx-connected`, { state: "attached" });
}

export function text(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el) => el.textContent ?? "");
}

/** Waits until the element's text is `expected`, then returns it. */
export async function waitText(page: Page, selector: string, expected: string, timeout = 5_000): Promise<string> {
  try {
    await page.waitForFunction(([s, e]) => document.querySelector(s!)?.textContent === e, [selector, expected], { timeout, polling: 10 });
  } catch {
    const actual = await page.$eval(selector, (el) => el.textContent).catch(() => "(no such element)");
    throw new Error(`${selector}: expected text ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`);
  }
  return expected;
}

/** The live events (not joins or heartbeats) the page sends on websockets it opens from now on. */
export function sentEvents(page: Page): unknown[][] {
  const sent: unknown[][] = [];
  page.on("websocket", (ws) =>
    ws.on("framesent", ({ payload }) => {
      const frame = JSON.parse(String(payload)) as unknown[];
      if (frame[3] === "event") sent.push(frame);
    }),
  );
  return sent;
}

/**
 * Starts recording, in the page, when the text of `selector` changes ([performance.now(), text]),
 * and the times of "input" events; read them with `recorded`. Timing asserted from the page's own
 * clock holds however slowly the test process runs.
 */
export function record(page: Page, selector: string): Promise<void> {
  return page.$eval(selector, (el) => {
    const w = window as any;
    w.changes = [];
    w.inputs = [];
    document.addEventListener("input", () => w.inputs.push(performance.now()), true);
    new MutationObserver(() => w.changes.push([performance.now(), el.textContent])).observe(el, { childList: true, characterData: true, subtree: true });
  });
}

export function recorded(page: Page): Promise<{ changes: [number, string][]; inputs: number[] }> {
  return page.evaluate(() => ({ changes: (window as any).changes, inputs: (window as any).inputs }));
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
