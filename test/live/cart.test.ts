// The cart beside the products, through the harness on the real app: add by clicking a size,
// remove, every refusal shown to the shopper, a sold-out item marked at once, all of a shopper's
// tabs in sync, presence kept for the admin, and the cart kept across reloads and a restart.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { live, type TestView } from "switchboard/testing";
import { randomId } from "../../src/switchboard/index.ts";
import { SHOPPERS_TOPIC } from "../../live/shopper.ts";
import { buildApp } from "../../src/app.ts";
import { storeApp, type StoreApp } from "../support/store-app.ts";

let shop: StoreApp;
let items: number[];
beforeAll(async () => {
  shop = await storeApp();
  await shop.release(1);
  items = shop.itemsOf(1);
  for (const id of items) await shop.setStock(id, 400);
});
afterAll(() => shop.close());

const newShopper = () => ({ session: { cartId: `cart-${randomId(9)}` } });
const sizeButton = (view: TestView, itemId: number) => view.element(`button.size-container__entry[value="${itemId}"]`);
const cartItems = (view: TestView) => [...view.render().matchAll(/<div class="(cart-item[^"]*)" data-item-id="(\d+)"/g)].map((m) => ({ id: Number(m[2]), out: m[1]!.includes("cart-item-out") }));
const notice = (view: TestView) => (view.hasElement("#cart .cart__notice") ? view.element("#cart .cart__notice").textContent() : null);

describe("the cart", () => {
  test("an empty cart shows nothing", async () => {
    const view = await live(shop.app, "/", newShopper());
    expect(view.element("#cart").attr("hidden")).toBeDefined();
    expect(view.element("#cart").textContent().trim()).toBe("");
    view.close();
  });

  test("clicking a size adds it, newest first, with brand, name, size and price, and a checkout link", async () => {
    const view = await live(shop.app, "/", newShopper());
    await sizeButton(view, items[0]!).click();
    await sizeButton(view, items[2]!).click();
    expect(cartItems(view)).toEqual([{ id: items[2], out: false }, { id: items[0], out: false }]);
    expect(view.element("#cart").attr("hidden")).toBeUndefined();
    expect(view.element(".cart-item", "Size 7 ").textContent()).toMatch(/Snks 23 Hop Man 3.*\$120.*Size 7 · yellow\/blue/s);
    expect(view.element("#cart a.cart__checkout").attr("href")).toBe("/checkout");
    view.close();
  });

  test("refuses a second add of the same size, a third item, a sold-out size and a forged id, with a message each", async () => {
    const view = await live(shop.app, "/", newShopper());
    await sizeButton(view, items[3]!).click();
    await sizeButton(view, items[3]!).click();
    expect(notice(view)).toBe("This size is already in your cart");
    await sizeButton(view, items[4]!).click();
    expect(notice(view)).toBeNull();
    await sizeButton(view, items[5]!).click();
    expect(notice(view)).toBe("Your cart is full: add up to two items");
    expect(cartItems(view).map((line) => line.id)).toEqual([items[4], items[3]]);
    await view.element(`.cart-item[data-item-id="${items[4]}"] .cart-item__remove`).click();
    await view.settle();
    await shop.setStock(items[6]!, 0);
    await view.settle();
    // A stale page (or a forged event) still asks; the server refuses.
    await view.pushEvent("click", "add", { item: String(items[6]) });
    expect(notice(view)).toBe("This size is sold out");
    for (const forged of ["abc", "-1", "999999", "", "1e3"]) {
      await view.pushEvent("click", "add", { item: forged });
      expect(notice(view)).toBe("This size does not exist");
    }
    await view.pushEvent("click", "add", {});
    expect(notice(view)).toBe("This size does not exist");
    expect(cartItems(view).map((line) => line.id)).toEqual([items[3]]);
    await shop.setStock(items[6]!, 400);
    view.close();
  });

  test("refuses a size of an unreleased shoe", async () => {
    const view = await live(shop.app, "/", newShopper());
    await view.pushEvent("click", "add", { item: String(shop.itemsOf(2)[0]) });
    expect(notice(view)).toBe("This shoe is not released yet");
    view.close();
  });

  test("removes an item with its remove button", async () => {
    const view = await live(shop.app, "/", newShopper());
    await sizeButton(view, items[7]!).click();
    await sizeButton(view, items[8]!).click();
    await view.element(`.cart-item[data-item-id="${items[7]}"] .cart-item__remove`).click();
    await view.settle();
    expect(cartItems(view).map((line) => line.id)).toEqual([items[8]]);
    await view.element(".cart-item__remove").click();
    await view.settle();
    expect(cartItems(view)).toEqual([]);
    expect(view.element("#cart").attr("hidden")).toBeDefined();
    view.close();
  });

  test("an item that sells out while in the cart turns cart-item-out at once, and back when restocked", async () => {
    const view = await live(shop.app, "/", newShopper());
    await sizeButton(view, items[9]!).click();
    await sizeButton(view, items[10]!).click();
    await shop.setStock(items[9]!, 0);
    await view.settle();
    expect(cartItems(view)).toEqual([{ id: items[10], out: false }, { id: items[9], out: true }]);
    expect(view.element(".cart-item-out").textContent()).toContain("sold out");
    await shop.setStock(items[9]!, 400);
    await view.settle();
    expect(cartItems(view)).toEqual([{ id: items[10], out: false }, { id: items[9], out: false }]);
    view.close();
  });
});

describe("a shopper's tabs", () => {
  test("stay in sync: an add or remove in one tab shows in the others, a sale in all", async () => {
    const first = await live(shop.app, "/", newShopper());
    const second = await live(shop.app, "/", { cookies: first.cookies });
    const other = await live(shop.app, "/", newShopper());
    await sizeButton(first, items[11]!).click();
    await second.settle();
    expect(cartItems(second)).toEqual([{ id: items[11], out: false }]);
    await sizeButton(second, items[12]!).click();
    await first.settle();
    expect(cartItems(first).map((line) => line.id)).toEqual([items[12], items[11]]);
    await shop.setStock(items[12]!, 0);
    await first.settle();
    await second.settle();
    expect(cartItems(first)[0]).toEqual({ id: items[12], out: true });
    expect(cartItems(second)[0]).toEqual({ id: items[12], out: true });
    await second.element(`.cart-item[data-item-id="${items[11]}"] .cart-item__remove`).click();
    await second.settle();
    await first.settle();
    expect(cartItems(first).map((line) => line.id)).toEqual([items[12]]);
    // Another shopper's cart is another cart.
    await other.settle();
    expect(cartItems(other)).toEqual([]);
    await shop.setStock(items[12]!, 400);
    for (const view of [first, second, other]) view.close();
  });

  test("each open tab is present for the admin with its page and cart, and leaves when closed", async () => {
    const { session } = newShopper();
    const presence = shop.app.switchboard.presence;
    const first = await live(shop.app, "/", { session });
    const second = await live(shop.app, "/", { cookies: first.cookies });
    expect(presence.list(SHOPPERS_TOPIC)[session.cartId]?.metas.map((meta) => meta.path)).toEqual(["/", "/"]);
    await sizeButton(first, items[0]!).click();
    await second.settle();
    expect(presence.list(SHOPPERS_TOPIC)[session.cartId]!.metas.map((meta) => meta.items)).toEqual([[items[0]], [items[0]]]);
    first.close();
    expect(presence.list(SHOPPERS_TOPIC)[session.cartId]!.metas).toHaveLength(1);
    second.close();
    expect(presence.list(SHOPPERS_TOPIC)[session.cartId]).toBeUndefined();
  });

  test("the cart survives a reload", async () => {
    const view = await live(shop.app, "/", newShopper());
    await sizeButton(view, items[1]!).click();
    view.close();
    const reloaded = await live(shop.app, "/", { cookies: view.cookies });
    expect(cartItems(reloaded)).toEqual([{ id: items[1], out: false }]);
    expect(reloaded.deadHTML).toContain(`data-item-id="${items[1]}"`);
    reloaded.close();
  });
});

describe("a server restart", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "sneakers23-restart-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("keeps the cart: it lives in the database, found again by the session cookie", async () => {
    const before = await buildApp({ store: { dataDir } });
    let cookies: Record<string, string>;
    let itemId: number;
    try {
      await before.store.operations.release(1);
      await before.store.inventory.settled();
      itemId = before.store.inventory.product(1)!.items.find((item) => item.count > 0)!.id;
      const view = await live(before, "/");
      await view.element(`button.size-container__entry[value="${itemId}"]`).click();
      expect(cartItems(view).map((line) => line.id)).toEqual([itemId]);
      cookies = view.cookies;
      view.close();
    } finally {
      await before.close();
    }
    const after = await buildApp({ store: { dataDir } });
    try {
      const view = await live(after, "/", { cookies });
      expect(cartItems(view).map((line) => line.id)).toEqual([itemId]);
      view.close();
    } finally {
      await after.close();
    }
  });
});
