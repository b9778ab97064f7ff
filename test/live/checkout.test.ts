// The checkout page through the harness, on the whole app: the cart's lines, total and purchase
// button with live availability, other tabs' changes, a purchase landing on the order's page and
// emptying every tab, each refusal shown on the page, double clicks and forged events.

import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { randomId } from "../../src/switchboard/index.ts";
import { followRedirect, live, type TestView } from "../../src/testing/index.ts";
import { cartItems, itemAvailabilities } from "../../src/store/schema.ts";
import { fillCart, stockOf } from "../support/catalog.ts";
import { storeApp, type StoreApp } from "../support/store-app.ts";

let shop: StoreApp;
let free: number[];

beforeAll(async () => {
  shop = await storeApp();
  await shop.release(1);
  // Plenty of stock on every size of the released shoe (the seed sells some out).
  for (const itemId of shop.itemsOf(1)) await shop.setStock(itemId, 500);
  free = shop.itemsOf(1);
});
afterAll(() => shop?.close());
afterEach(() => vi.restoreAllMocks());

/** An item of the released shoe no other test uses. */
const nextItem = () => free.shift()!;
const newCart = () => `cart-${randomId(12)}`;

/** A cart holding `count` fresh items, and the checkout page open on it. */
async function checkoutWith(count: number): Promise<{ cartId: string; items: number[]; view: TestView }> {
  const cartId = newCart();
  const items = Array.from({ length: count }, nextItem);
  for (const itemId of items) expect(await shop.store.carts.add(cartId, itemId)).toMatchObject({ ok: true });
  return { cartId, items, view: await live(shop.app, "/checkout", { session: { cartId } }) };
}

const button = (view: TestView) => view.element("button.checkout__purchase");
const line = (view: TestView, itemId: number) => `.checkout .cart-item[data-item-id="${itemId}"]`;

describe("checkout page", () => {
  test("an empty cart says No items to checkout!, links to the shop and has no purchase button", async () => {
    const view = await live(shop.app, "/checkout", { session: { cartId: newCart() } });
    expect(view.title).toBe("Sneakers23");
    expect(view.deadHTML).toContain("No items to checkout!");
    expect(view.element(".checkout__empty").textContent()).toContain("No items to checkout!");
    expect(view.element(".checkout__empty a").attr("href")).toBe("/");
    expect(view.hasElement("button.checkout__purchase")).toBe(false);
  });

  test("lists the cart's items with brand, name, size and price, the total, and PURCHASE enabled", async () => {
    const { items, view } = await checkoutWith(2);
    for (const itemId of items) {
      const size = shop.store.inventory.item(itemId)!.size;
      const text = view.element(line(view, itemId)).textContent();
      expect(text).toContain("Snks 23 Hop Man 3");
      expect(text).toContain(`Size ${size}`);
      expect(text).toContain("$120");
      expect(view.hasElement(`${line(view, itemId)}.cart-item-out`)).toBe(false);
    }
    expect(view.element(".checkout__total").textContent()).toBe("Total$240");
    expect(button(view).textContent()).toBe("PURCHASE");
    expect(button(view).attr("disabled")).toBeUndefined();
    expect(button(view).attr("phx-click")).toBe("purchase");
    expect(view.deadHTML).toContain("PURCHASE");
  });

  test("an item selling out turns the button into SOME ITEMS NOT AVAILABLE live; stock coming back restores PURCHASE", async () => {
    const { items, view } = await checkoutWith(1);
    await shop.setStock(items[0]!, 0);
    await view.settle();
    expect(button(view).textContent()).toBe("SOME ITEMS NOT AVAILABLE");
    expect(button(view).attr("disabled")).toBeDefined();
    expect(view.hasElement(`${line(view, items[0]!)}.cart-item-out`)).toBe(true);
    await shop.setStock(items[0]!, 300);
    await view.settle();
    expect(button(view).textContent()).toBe("PURCHASE");
    expect(button(view).attr("disabled")).toBeUndefined();
    expect(view.hasElement(`${line(view, items[0]!)}.cart-item-out`)).toBe(false);
  });

  test("an unreleased item in the cart disables the button, and a forged purchase is refused", async () => {
    const cartId = newCart();
    const unreleased = shop.itemsOf(2)[0]!;
    const stock = await stockOf(shop.store.database.db, unreleased);
    await fillCart(shop.store.database.db, cartId, [unreleased]);
    const view = await live(shop.app, "/checkout", { session: { cartId } });
    expect(button(view).textContent()).toBe("SOME ITEMS NOT AVAILABLE");
    expect(button(view).attr("disabled")).toBeDefined();
    expect(view.hasElement(`${line(view, unreleased)}.cart-item-out`)).toBe(true);
    await view.pushEvent("click", "purchase", {});
    await view.settle();
    expect(view.element(".checkout__error").textContent()).toBe("Your purchase could not be completed");
    expect(view.navigations).toEqual([]);
    expect(await stockOf(shop.store.database.db, unreleased)).toBe(stock);
  });

  test("another tab's add and remove show at once", async () => {
    const { items, view } = await checkoutWith(1);
    const other = nextItem();
    const shopTab = await live(shop.app, "/", { cookies: view.cookies });
    await shopTab.element(`button.size-container__entry[value="${other}"]`).click();
    await view.settle();
    expect(view.hasElement(line(view, other))).toBe(true);
    expect(view.element(".checkout__total").textContent()).toBe("Total$240");
    await shopTab.element(`#cart .cart-item__remove[phx-value-item="${items[0]}"]`).click();
    await view.settle();
    expect(view.hasElement(line(view, items[0]!))).toBe(false);
    expect(view.element(".checkout__total").textContent()).toBe("Total$120");
  });

  test("the cart component's remove button works on the checkout page too", async () => {
    const { items, view } = await checkoutWith(1);
    await view.element(`#cart .cart-item__remove[phx-value-item="${items[0]}"]`).click();
    await view.settle();
    expect(view.element(".checkout__empty").textContent()).toContain("No items to checkout!");
    expect(view.hasElement("button.checkout__purchase")).toBe(false);
  });
});

describe("purchase", () => {
  test("succeeds: lands on the order's page, stock goes down, and every tab's cart is emptied", async () => {
    const { cartId, items, view } = await checkoutWith(2);
    const db = shop.store.database.db;
    const before = await Promise.all(items.map((itemId) => stockOf(db, itemId)));
    const shopTab = await live(shop.app, "/", { cookies: view.cookies });
    expect(shopTab.hasElement("#cart .cart-item")).toBe(true);

    await button(view).click();
    await view.settle();
    expect(view.navigations).toMatchObject([{ kind: "navigate", to: expect.stringMatching(/^\/checkout\/complete\?order=\d+$/) }]);
    const orderId = Number(view.navigations[0]!.to.split("=")[1]);
    const done = await followRedirect(view);
    expect(done.element(".order-complete h1").textContent()).toBe("Order Complete!");
    expect(done.element(".order-complete__number").textContent()).toBe(`Order number ${orderId}`);
    for (const itemId of items) expect(done.hasElement(`.order-complete .cart-item[data-item-id="${itemId}"]`)).toBe(true);

    expect(await Promise.all(items.map((itemId) => stockOf(db, itemId)))).toEqual(before.map((n) => n - 1));
    await shop.store.inventory.settled();
    expect(items.map((itemId) => shop.store.inventory.item(itemId)!.count)).toEqual(before.map((n) => n - 1));
    expect(await shop.store.carts.list(cartId)).toEqual([]);
    await shopTab.settle();
    expect(shopTab.hasElement("#cart .cart-item")).toBe(false);
    const again = await live(shop.app, "/checkout", { cookies: view.cookies });
    expect(again.element(".checkout__empty").textContent()).toContain("No items to checkout!");
  });

  test("a second click while the purchase runs does not purchase again", async () => {
    const { view } = await checkoutWith(1);
    const purchase = vi.spyOn(shop.store.checkout, "purchase");
    const first = button(view).click();
    const second = view.pushEvent("click", "purchase", { forged: "yes" });
    expect(await first).toContain('aria-busy="true"');
    await second;
    await view.settle();
    expect(purchase).toHaveBeenCalledTimes(1);
    expect(view.navigations).toHaveLength(1);
    expect(view.hasElement(".checkout__error")).toBe(false);
  });

  test("an item sold out in the database but not yet in memory: Your cart has out-of-stock shoes", async () => {
    const { cartId, items, view } = await checkoutWith(1);
    await shop.store.database.db.update(itemAvailabilities).set({ availableCount: 0 }).where(eq(itemAvailabilities.itemId, items[0]!));
    expect(button(view).textContent()).toBe("PURCHASE");
    await button(view).click();
    await view.settle();
    expect(view.element(".checkout__error").textContent()).toBe("Your cart has out-of-stock shoes");
    expect(view.navigations).toEqual([]);
    expect(view.hasElement(line(view, items[0]!))).toBe(true);
    expect(button(view).attr("aria-busy")).toBeUndefined();
    expect(await shop.store.carts.list(cartId)).toHaveLength(1);
  });

  test("a cart emptied elsewhere before the page heard of it: Your cart is empty", async () => {
    const { cartId, view } = await checkoutWith(1);
    // The other tab's removal, before its notification reaches this page.
    await shop.store.database.db.delete(cartItems).where(eq(cartItems.cartId, cartId));
    await button(view).click();
    await view.settle();
    expect(view.element(".checkout__error").textContent()).toBe("Your cart is empty");
    expect(view.navigations).toEqual([]);
    // The page read the cart again after the refusal.
    expect(view.element(".checkout__empty").textContent()).toContain("No items to checkout!");
  });

  test("a database failure: Your purchase could not be completed, and the page still works", async () => {
    const { items, view } = await checkoutWith(1);
    const db = shop.store.database.db;
    const stock = await stockOf(db, items[0]!);
    vi.spyOn(db, "transaction").mockImplementationOnce(async () => {
      throw new Error("connection terminated unexpectedly");
    });
    await button(view).click();
    await view.settle();
    expect(view.element(".checkout__error").textContent()).toBe("Your purchase could not be completed");
    expect(view.navigations).toEqual([]);
    expect(await stockOf(db, items[0]!)).toBe(stock);
    // Once the database answers again, the same page completes the purchase.
    await button(view).click();
    await view.settle();
    expect(view.navigations).toHaveLength(1);
    expect(await stockOf(db, items[0]!)).toBe(stock - 1);
  });

  test("a session without a sane cart id: a clear message, no purchase, no crash", async () => {
    const purchase = vi.spyOn(shop.store.checkout, "purchase");
    const view = await live(shop.app, "/checkout", { session: { cartId: "no" } });
    expect(view.element(".cart__notice").textContent()).toBe("Your session has expired: reload the page to shop");
    await view.pushEvent("click", "purchase", { item: "<script>" });
    expect(view.element(".checkout__error").textContent()).toBe("Your session has expired: reload the page to shop");
    expect(purchase).not.toHaveBeenCalled();
  });
});
