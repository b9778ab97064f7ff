// The product page `/` through the harness on the real app: products in display order, the size
// selector appearing live on release, levels changing live on the same button in a few dozen
// bytes, nothing sent for a change that keeps the level, and the launch countdown.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { live, type TestView } from "switchboard/testing";
import { randomId } from "../../src/switchboard/index.ts";
import { CLOCK_TOPIC, TICK } from "../../live/launch-clock.ts";
import { storeApp, type StoreApp } from "../support/store-app.ts";

let shop: StoreApp;
beforeAll(async () => {
  shop = await storeApp();
});
afterAll(() => shop.close());

const shopper = () => ({ session: { cartId: `cart-${randomId(9)}` } });
const button = (view: TestView, itemId: number) => view.element(`button.size-container__entry[value="${itemId}"]`);
const levelOf = (view: TestView, itemId: number) => /size-container__entry--level-(\w+)/.exec(button(view, itemId).attr("class") ?? "")?.[1];
const card = (view: TestView, name: string) => view.element(".product-listing", name);

describe("the product page", () => {
  test("lists the products in display order with image, brand, name, color and price; unreleased ones are coming soon", async () => {
    const view = await live(shop.app, "/", shopper());
    expect(view.title).toBe("Sneakers23");
    const names = [...view.render().matchAll(/<h2 class="product-listing__name">([^<]+)<\/h2>/g)].map((m) => m[1]);
    expect(names).toEqual(["Hop Man 3", "Breezy Boost 600"]);
    expect(view.hasElement("main.product-list > .product-listing")).toBe(true);
    expect(card(view, "Hop Man 3").render()).toContain('src="/images/hopman.png"');
    expect(card(view, "Breezy Boost 600").textContent()).toMatch(/Asler.*Breezy Boost 600.*momentum.*\$140/s);
    expect(card(view, "Hop Man 3").textContent()).toContain("coming soon...");
    expect(view.hasElement(".size-container")).toBe(false);
    // The first paint, before any script, is the same page.
    expect(view.deadHTML).toContain("coming soon...");
    view.close();
  });
});

describe("live updates", () => {
  let view: TestView;
  beforeAll(async () => {
    view = await live(shop.app, "/", shopper());
    await shop.release(1);
    await view.settle();
  });
  afterAll(() => view.close());

  test("a release swaps coming soon for one size button per size, live", () => {
    const hopMan = card(view, "Hop Man 3");
    expect(hopMan.textContent()).not.toContain("coming soon...");
    const items = shop.itemsOf(1);
    expect(items).toHaveLength(13);
    const sizes = items.map((id) => button(view, id).textContent());
    expect(sizes).toEqual(["6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12"]);
    for (const id of items) {
      const classes = button(view, id).attr("class")!.split(/\s+/);
      expect(classes.filter((c) => c.startsWith("size-container__entry--level-"))).toHaveLength(1);
      const level = shop.store.inventory.level(id);
      expect(levelOf(view, id)).toBe(level);
      expect(button(view, id).attr("disabled") !== undefined).toBe(level === "out");
    }
    // The other product is still coming soon.
    expect(card(view, "Breezy Boost 600").textContent()).toContain("coming soon...");
  });

  test("a size goes low, then out (disabled), live on the same button, each in a diff of a few dozen bytes", async () => {
    const itemId = shop.itemsOf(1)[4]!;
    await shop.setStock(itemId, 600);
    await view.settle();
    const before = view.frames("diff").length;
    await shop.setStock(itemId, 120);
    await view.settle();
    expect(levelOf(view, itemId)).toBe("low");
    expect(button(view, itemId).attr("disabled")).toBeUndefined();
    await shop.setStock(itemId, 0);
    await view.settle();
    expect(levelOf(view, itemId)).toBe("out");
    expect(button(view, itemId).attr("disabled")).toBeDefined();
    expect(button(view, itemId).textContent()).toBe("8");
    const diffs = view.frames("diff").slice(before);
    expect(diffs).toHaveLength(2);
    for (const frame of diffs) expect(JSON.stringify(frame[4]).length).toBeLessThan(100);
  });

  test("a stock change that keeps the level sends nothing", async () => {
    const itemId = shop.itemsOf(1)[6]!;
    await shop.setStock(itemId, 900);
    await view.settle();
    const before = view.frames("diff").length;
    await shop.setStock(itemId, 800);
    await shop.setStock(itemId, 700);
    await view.settle();
    expect(view.frames("diff").length).toBe(before);
    expect(levelOf(view, itemId)).toBe("high");
  });

  test("a page opened after the release shows it, with the same HTML as the live page", async () => {
    const fresh = await live(shop.app, "/", shopper());
    const strip = (html: string) => html.replace(/<section id="cart"[\s\S]*?<\/section>/, "");
    expect(strip(fresh.render())).toBe(strip(view.render()));
    fresh.close();
  });
});

describe("a scheduled launch", () => {
  test("shows a countdown that follows the node's clock, and stops following it once cleared", async () => {
    const view = await live(shop.app, "/", shopper());
    const pubsub = shop.store.pubsub;
    expect(pubsub.subscriberCount(CLOCK_TOPIC)).toBe(0);
    const at = Date.now() + 90 * 60_000;
    await shop.store.operations.schedule(2, new Date(at));
    await shop.store.inventory.settled();
    await view.settle();
    const breezy = () => card(view, "Breezy Boost 600").textContent();
    expect(breezy()).toContain("coming soon...");
    expect(breezy()).toMatch(/Launches in 01:(29|30):\d\d/);
    expect(pubsub.subscriberCount(CLOCK_TOPIC)).toBe(1);
    pubsub.deliverLocal({ topic: CLOCK_TOPIC, event: TICK, payload: at - 65_000 }, null);
    await view.settle();
    expect(breezy()).toContain("Launches in 00:01:05");
    pubsub.deliverLocal({ topic: CLOCK_TOPIC, event: TICK, payload: at + 1000 }, null);
    await view.settle();
    expect(breezy()).toContain("Launching now");
    await shop.store.operations.schedule(2, null);
    await shop.store.inventory.settled();
    await view.settle();
    expect(breezy()).not.toContain("Launch");
    expect(breezy()).toContain("coming soon...");
    expect(pubsub.subscriberCount(CLOCK_TOPIC)).toBe(0);
    view.close();
  });
});
