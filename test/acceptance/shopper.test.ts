// The shopper's main story in real Chromium against the whole store (buildApp on an embedded
// database in memory, listening on 127.0.0.1): a launch appearing live, levels moving on the same
// button, a cart kept across reloads and tabs, a sold-out item marked, a checkout, and the admin
// watching the shopper and the cart counts move.

import type { Browser, BrowserContext, Page } from "playwright-core";
import { eq } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildApp } from "../../src/app.ts";
import { itemAvailabilities } from "../../src/store/schema.ts";
import { hasBrowser, launchBrowser } from "../support/browser.ts";
import { connected, openLive } from "../support/e2e.ts";

const sizeButton = (itemId: number) => `button.size-container__entry[value="${itemId}"]`;
const cartLine = (itemId: number) => `#cart .cart-item[data-item-id="${itemId}"]`;
const cartIds = (page: Page) => page.$$eval("#cart .cart-item", (els) => els.map((el) => Number((el as HTMLElement).dataset.itemId)));

describe.skipIf(!hasBrowser)("a shopper's launch day in Chromium", () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let shopper: BrowserContext;
  let admin: BrowserContext;

  beforeAll(async () => {
    [browser, app] = await Promise.all([launchBrowser(), buildApp({ store: { dataDir: "memory://" } })]);
    url = await app.listen({ port: 0, host: "127.0.0.1" });
    shopper = await browser.newContext();
    admin = await browser.newContext({ httpCredentials: { username: "admin", password: "admin" } });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** Sets an item's stock as a committed sale would: the database, then the inventory event. */
  async function setStock(itemId: number, count: number): Promise<void> {
    await app.store.database.db.update(itemAvailabilities).set({ availableCount: count }).where(eq(itemAvailabilities.itemId, itemId));
    await app.store.inventory.committed({ items: [itemId] });
  }

  test("from the launch to Order Complete!, with the admin watching", async () => {
    // The page loads as a shop, unreleased shoes coming soon.
    const page = await openLive(shopper, url + "/");
    expect(await page.title()).toBe("Sneakers23");
    expect(await page.locator(".product-listing").count()).toBe(2);
    expect(await page.locator(".product-listing").first().textContent()).toContain("coming soon...");
    const dashboard = await openLive(admin, url + "/admin");
    expect(await dashboard.title()).toMatch(/^Sneakers23/);

    // A release appears live.
    await app.store.operations.release(1);
    await page.waitForSelector(".product-listing:first-child .size-container");
    const [a, b, c] = app.store.inventory.product(1)!.items.map((item) => item.id);

    // A size goes from low to out on the same button.
    await setStock(a!, 120);
    await page.waitForSelector(`${sizeButton(a!)}.size-container__entry--level-low`);
    await page.$eval(sizeButton(a!), (el) => ((el as any).sameButton = true));
    await setStock(a!, 0);
    await page.waitForSelector(`${sizeButton(a!)}.size-container__entry--level-out:disabled`);
    expect(await page.$eval(sizeButton(a!), (el) => (el as any).sameButton)).toBe(true);

    // Two sizes into the cart; a reload keeps them.
    await setStock(b!, 300);
    await setStock(c!, 300);
    await page.click(sizeButton(b!));
    await page.waitForSelector(cartLine(b!));
    await page.click(sizeButton(c!));
    await page.waitForSelector(cartLine(c!));
    await page.reload();
    await connected(page);
    expect(await cartIds(page)).toEqual([c, b]);

    // A second tab shows the same cart and follows its changes.
    const tab = await openLive(shopper, url + "/");
    expect(await cartIds(tab)).toEqual([c, b]);

    // The admin sees the shopper (two tabs, one shopper) and the sizes in their cart.
    await dashboard.waitForFunction(() => document.querySelector(".admin__shoppers")?.textContent?.includes("1"));
    await dashboard.waitForFunction((id) => document.querySelector(`.admin__size[data-item-id="${id}"] .admin__in-cart`)?.textContent?.trim().startsWith("1"), b);

    // Sold out while in the cart: marked at once, in both tabs.
    await setStock(c!, 0);
    await page.waitForSelector(`${cartLine(c!)}.cart-item-out`);
    await tab.waitForSelector(`${cartLine(c!)}.cart-item-out`);

    // Removing it in one tab removes it in the other, and from the admin's count.
    await tab.click(`${cartLine(c!)} .cart-item__remove`);
    await page.waitForSelector(cartLine(c!), { state: "detached" });
    await dashboard.waitForFunction((id) => document.querySelector(`.admin__size[data-item-id="${id}"] .admin__in-cart`)?.textContent?.trim().startsWith("0"), c);

    // Checkout.
    await page.click("#cart a.cart__checkout");
    await page.waitForURL(url + "/checkout");
    await connected(page);
    await page.waitForSelector("button.checkout__purchase:not(:disabled)");
    expect((await page.textContent("button.checkout__purchase"))?.trim()).toBe("PURCHASE");
    await page.click("button.checkout__purchase");
    await page.waitForURL(/\/checkout\/complete\?order=\d+$/);
    await page.waitForSelector("text=Order Complete!");
    expect(await page.textContent("main, body")).toContain("Hop Man 3");
    // The other tab's cart empties; the admin's count for the bought size goes back to 0.
    await tab.waitForFunction(() => document.querySelectorAll("#cart .cart-item").length === 0);
    await dashboard.waitForFunction((id) => document.querySelector(`.admin__size[data-item-id="${id}"] .admin__in-cart`)?.textContent?.trim().startsWith("0"), b);
    expect(app.store.inventory.item(b!)!.count).toBe(299);
  });
});
