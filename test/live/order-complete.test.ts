// The order-complete page through the harness, on the whole app: the session's own order with its
// items and total; any other id (another shopper's, malformed, unknown, missing) is not found; a
// database failure is a message, not a crash.

import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { randomId } from "../../src/switchboard/index.ts";
import { live } from "../../src/testing/index.ts";
import type { Order } from "../../src/store/checkout.ts";
import { storeApp, type StoreApp } from "../support/store-app.ts";

let shop: StoreApp;
let cartId: string;
let order: Order;

beforeAll(async () => {
  shop = await storeApp();
  await shop.release(1);
  const [first, second] = shop.itemsOf(1);
  for (const itemId of [first!, second!]) await shop.setStock(itemId, 500);
  cartId = `cart-${randomId(12)}`;
  await shop.store.carts.add(cartId, first!);
  await shop.store.carts.add(cartId, second!);
  const result = await shop.store.checkout.purchase(cartId);
  if (!result.ok) throw new Error(`the fixture's purchase failed: ${result.message}`);
  order = result.order;
});
afterAll(() => shop?.close());
afterEach(() => vi.restoreAllMocks());

const open = (query: string, session: Record<string, unknown> = { cartId }) => live(shop.app, `/checkout/complete${query}`, { session });
const NOT_FOUND = "We could not find that order";

describe("order-complete page", () => {
  test("shows the session's own order: Order Complete!, its items, total and number", async () => {
    const view = await open(`?order=${order.id}`);
    expect(view.title).toBe("Sneakers23");
    expect(view.deadHTML).toContain("Order Complete!");
    expect(view.element(".order-complete h1").textContent()).toBe("Order Complete!");
    expect(view.element(".order-complete__number").textContent()).toBe(`Order number ${order.id}`);
    for (const item of order.items) {
      const text = view.element(`.order-complete .cart-item[data-item-id="${item.itemId}"]`).textContent();
      expect(text).toContain("Snks 23 Hop Man 3");
      expect(text).toContain(`Size ${item.size}`);
      expect(text).toContain("$120");
    }
    expect(view.element(".checkout__total").textContent()).toBe("Total$240");
    expect(view.element('.order-complete a[href="/"]').textContent()).toBe("Back to the shop");
  });

  test("another shopper's order id is not found, and shows nothing of the order", async () => {
    const view = await open(`?order=${order.id}`, { cartId: `cart-${randomId(12)}` });
    expect(view.element(".checkout__error").textContent()).toBe(NOT_FOUND);
    expect(view.hasElement(".order-complete")).toBe(false);
    expect(view.render()).not.toContain("Hop Man");
    expect(view.element('.checkout a[href="/"]').textContent()).toBe("Back to the shop");
  });

  test.each(["?order=abc", "?order=", "", "?order=-1", "?order=0", "?order=1e3", "?order=99999999999", "?order=999999"])(
    "%j is not found",
    async (query) => {
      const view = await open(query);
      expect(view.element(".checkout__error").textContent()).toBe(NOT_FOUND);
      expect(view.hasElement(".order-complete")).toBe(false);
    },
  );

  test("no sane cart id in the session: not found", async () => {
    const view = await open(`?order=${order.id}`, { cartId: 7 });
    expect(view.element(".checkout__error").textContent()).toBe(NOT_FOUND);
  });

  test("a database failure shows a message instead of crashing", async () => {
    vi.spyOn(shop.store.checkout, "order").mockRejectedValue(new Error("connection terminated unexpectedly"));
    const view = await open(`?order=${order.id}`);
    expect(view.element(".checkout__error").textContent()).toBe("Your order cannot be loaded right now: reload the page in a moment");
    expect(view.hasElement(".order-complete")).toBe(false);
  });
});
