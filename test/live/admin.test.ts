// The admin dashboard through the harness, on the whole app: only behind the credentials (a
// shopper's page token cannot join it), live shopper counts from Presence (unique, by page, in
// cart once per shopper), release and schedule controls with clear messages, the sales chart and
// the node list.

import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { randomId } from "../../src/switchboard/index.ts";
import { followRedirect, live, LiveRedirect, type TestView } from "../../src/testing/index.ts";
import { storeApp, type StoreApp } from "../support/store-app.ts";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const asAdmin = { headers: { authorization: basic("boss", "s3cret") } };

let shop: StoreApp;
const opened: TestView[] = [];

beforeAll(async () => {
  shop = await storeApp({ adminUser: "boss", adminPassword: "s3cret" });
  await shop.release(1);
  // Stock up only (a restock sells nothing), so the chart starts empty.
  for (const itemId of shop.itemsOf(1)) {
    if (shop.store.inventory.item(itemId)!.count < 500) await shop.setStock(itemId, 500);
  }
});
afterAll(() => shop?.close());
afterEach(async () => {
  for (const view of opened.splice(0)) view.close();
  // Every test starts with nobody on the shop's pages.
  await vi.waitFor(() => expect(shop.app.switchboard.presence.size("store:shoppers")).toBe(0));
});

async function open(path: string, options: Parameters<typeof live>[2] = {}): Promise<TestView> {
  const view = await live(shop.app, path, options);
  opened.push(view);
  return view;
}

const admin = () => open("/admin", asAdmin);
const newCart = () => `cart-${randomId(12)}`;
const product = (id: number) => `.admin__product[data-product-id="${id}"]`;
const size = (itemId: number) => `.admin__size[data-item-id="${itemId}"]`;
const text = (view: TestView, selector: string) => view.element(selector).textContent().trim();
/** Waits for the dashboard to show `expected` in `selector` (presence diffs arrive within ~100 ms). */
const shows = (view: TestView, selector: string, expected: string) => vi.waitFor(() => expect(text(view, selector)).toBe(expected));

describe("access", () => {
  test("GET /admin without credentials, or with wrong ones, is 401 with a Basic challenge and no dashboard", async () => {
    const none = await shop.app.inject({ method: "GET", url: "/admin" });
    expect(none.statusCode).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Basic /);
    expect(none.body).not.toContain("admin__");
    for (const wrong of [basic("boss", "nope"), basic("admin", "admin"), basic("shopper", "s3cret")]) {
      const response = await shop.app.inject({ method: "GET", url: "/admin", headers: { authorization: wrong } });
      expect(response.statusCode).toBe(401);
      expect(response.body).not.toContain("admin__");
    }
    await expect(live(shop.app, "/admin")).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED", message: expect.stringContaining("HTTP 401") });
  });

  test("with the credentials: the dashboard, over HTTP and live, titled Sneakers23 Admin", async () => {
    const view = await admin();
    expect(view.title).toBe("Sneakers23 Admin");
    expect(view.deadHTML).toContain('<main class="admin">');
    expect(view.hasElement("main.admin .admin__shoppers")).toBe(true);
    expect(view.hasElement(product(1))).toBe(true);
    expect(view.hasElement(product(2))).toBe(true);
    expect(view.hasElement("svg.chart")).toBe(true);
  });

  test("a shopper's page token joining /admin is answered with a redirect through the check, never mounted", async () => {
    const shopper = await open("/");
    const refused = (await shopper.navigate("/admin").catch((error) => error)) as LiveRedirect;
    expect(refused).toBeInstanceOf(LiveRedirect);
    expect(refused.navigation).toMatchObject({ kind: "redirect", to: "/admin" });
    // The join's answer carried no dashboard.
    const answer = JSON.stringify(refused.view!.frames());
    expect(answer).toContain('"redirect"');
    expect(answer).not.toMatch(/admin__|Hop Man|chart/);
    // Following it is a page load, which asks for the credentials.
    await expect(followRedirect(refused)).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED", message: expect.stringContaining("HTTP 401") });
  });
});

describe("shoppers", () => {
  test("unique shoppers, open tabs by page, and N in cart counting each shopper once", async () => {
    const dashboard = await admin();
    const [cartA, cartB] = [newCart(), newCart()];
    const a1 = await open("/", { session: { cartId: cartA } });
    const a2 = await open("/", { cookies: a1.cookies });
    const b = await open("/checkout", { session: { cartId: cartB } });
    await shows(dashboard, ".admin__shoppers", "2");
    await shows(dashboard, '.admin__page[data-path="/"] .admin__tabs', "2");
    await shows(dashboard, '.admin__page[data-path="/checkout"] .admin__tabs', "1");

    const item = shop.itemsOf(1)[3]!;
    const other = shop.itemsOf(1)[4]!;
    const available = shop.store.inventory.item(item)!.count;
    expect(text(dashboard, `${size(item)} .admin__in-cart`)).toBe("0 in cart");
    expect(text(dashboard, `${size(item)} .admin__available`)).toBe(`${available} available`);

    expect(await shop.store.carts.add(cartA, item)).toMatchObject({ ok: true });
    await Promise.all([a1.settle(), a2.settle()]);
    await shows(dashboard, `${size(item)} .admin__in-cart`, "1 in cart"); // two tabs, one shopper
    expect(text(dashboard, `${size(other)} .admin__in-cart`)).toBe("0 in cart");

    expect(await shop.store.carts.add(cartB, item)).toMatchObject({ ok: true });
    await b.settle();
    await shows(dashboard, `${size(item)} .admin__in-cart`, "2 in cart");
    // Carts hold; stock does not move.
    expect(text(dashboard, `${size(item)} .admin__available`)).toBe(`${available} available`);

    b.close();
    await shows(dashboard, `${size(item)} .admin__in-cart`, "1 in cart");
    await shows(dashboard, ".admin__shoppers", "1");
    expect(dashboard.hasElement('.admin__page[data-path="/checkout"]')).toBe(false);

    a1.close();
    await shows(dashboard, '.admin__page[data-path="/"] .admin__tabs', "1");
    expect(text(dashboard, ".admin__shoppers")).toBe("1");
    expect(text(dashboard, `${size(item)} .admin__in-cart`)).toBe("1 in cart");

    a2.close();
    await shows(dashboard, ".admin__shoppers", "0");
    await shows(dashboard, `${size(item)} .admin__in-cart`, "0 in cart");
    expect(dashboard.hasElement(".admin__empty", "No open pages")).toBe(true);
  });

  test("a burst of shoppers arriving is coalesced into a few renders, and all are counted", async () => {
    const dashboard = await admin();
    const before = dashboard.frames("diff").length;
    await Promise.all(Array.from({ length: 30 }, (_, i) => open(i % 3 ? "/" : "/checkout", { session: { cartId: newCart() } })));
    await shows(dashboard, ".admin__shoppers", "30");
    await shows(dashboard, '.admin__page[data-path="/"] .admin__tabs', "20");
    expect(text(dashboard, '.admin__page[data-path="/checkout"] .admin__tabs')).toBe("10");
    // 30 joins, each a presence diff: far fewer diffs reached the dashboard's browser.
    expect(dashboard.frames("diff").length - before).toBeLessThan(10);
  });
});

describe("release and schedule", () => {
  const form = (view: TestView, releaseAt: string) => view.form(`${product(2)} form.admin__schedule`, { release_at: releaseAt });

  test("the form schedules a release (shown, in the store), the clear button and an empty value clear it", async () => {
    const dashboard = await admin();
    await form(dashboard, "2031-05-06T07:08").submit();
    expect(shop.store.inventory.product(2)!.releaseAt).toBe("2031-05-06T07:08:00.000Z");
    expect(text(dashboard, `${product(2)} .admin__state`)).toBe("Scheduled for 2031-05-06 07:08 UTC");
    expect(dashboard.element(`${product(2)} input[name="release_at"]`).attr("value")).toBe("2031-05-06T07:08");
    expect(dashboard.flash.info).toContain("will be released at 2031-05-06T07:08:00.000Z");
    expect(text(dashboard, ".admin__flash")).toContain("2031-05-06T07:08:00.000Z");

    // The shop's page shows the countdown.
    const shopper = await open("/");
    expect(shopper.element('.product-listing[data-product-id="2"]').textContent()).toContain("Launches in");

    await dashboard.element(`${product(2)} .admin__clear`).click();
    expect(shop.store.inventory.product(2)!.releaseAt).toBeNull();
    expect(text(dashboard, `${product(2)} .admin__state`)).toBe("Unreleased");
    expect(dashboard.hasElement(`${product(2)} .admin__clear`)).toBe(false);
    expect(dashboard.flash.info).toContain("release schedule cleared");

    await form(dashboard, "2032-01-02T03:04:05").submit();
    expect(shop.store.inventory.product(2)!.releaseAt).toBe("2032-01-02T03:04:05.000Z");
    await form(dashboard, "").submit();
    expect(shop.store.inventory.product(2)!.releaseAt).toBeNull();
    expect(text(dashboard, `${product(2)} .admin__state`)).toBe("Unreleased");
  });

  test("a date that is not one, or an unknown product, is a clear message, nothing changes, the page lives on", async () => {
    const dashboard = await admin();
    for (const garbage of ["garbage", "2031-13-01T00:00", "2031-02-31T10:00", "tomorrow 10am"]) {
      await form(dashboard, garbage).submit();
      expect(dashboard.flash.error).toContain("STORE_ERR_RELEASE_AT");
      expect(dashboard.flash.error).toContain(JSON.stringify(garbage));
      expect(dashboard.flash.info).toBeUndefined();
      expect(text(dashboard, ".admin__flash")).toContain("needs a valid date and time");
    }
    expect(shop.store.inventory.product(2)!.releaseAt).toBeNull();

    await dashboard.pushEvent("click", "release", { product: "999" });
    expect(dashboard.flash.error).toMatch(/STORE_ERR_UNKNOWN_PRODUCT.*999/);
    await dashboard.pushEvent("click", "release", { product: "abc" });
    expect(dashboard.flash.error).toMatch(/STORE_ERR_UNKNOWN_PRODUCT.*"abc"/);
    await dashboard.pushEvent("form", "schedule", "product=42&release_at=2031-01-01T00%3A00");
    expect(dashboard.flash.error).toMatch(/STORE_ERR_UNKNOWN_PRODUCT.*42/);
    await dashboard.pushEvent("click", "clear", {});
    expect(dashboard.flash.error).toContain("STORE_ERR_UNKNOWN_PRODUCT");
    expect(dashboard.crash).toBeNull();
    expect(text(dashboard, `${product(2)} .admin__state`)).toBe("Unreleased");
  });

  test("the release button releases the product: the store, the dashboard and an open shop page show it", async () => {
    const dashboard = await admin();
    const shopper = await open("/");
    expect(shopper.element('.product-listing[data-product-id="2"]').textContent()).toContain("coming soon...");
    expect(text(dashboard, `${product(2)} .admin__state`)).toBe("Unreleased");

    await dashboard.element(`${product(2)} .admin__release`).click();
    expect(shop.store.inventory.product(2)!.released).toBe(true);
    expect(dashboard.flash.info).toBe("product 2 (Asler Breezy Boost 600) released");
    expect(text(dashboard, `${product(2)} .admin__state`)).toBe("Released");
    expect(dashboard.hasElement(`${product(2)} .admin__release`)).toBe(false);
    expect(dashboard.hasElement(`${product(2)} form.admin__schedule`)).toBe(false);

    await shopper.settle();
    expect(shopper.hasElement('.product-listing[data-product-id="2"] .size-container')).toBe(true);

    // A stale page's second click is told, not failed.
    await dashboard.pushEvent("click", "release", { product: "2" });
    expect(dashboard.flash.info).toBe("product 2 (Asler Breezy Boost 600) was already released");
    await dashboard.pushEvent("form", "schedule", "product=2&release_at=2031-01-01T00%3A00");
    expect(dashboard.flash.error).toContain("STORE_ERR_ALREADY_RELEASED");
  });
});

describe("sales and nodes", () => {
  test("the chart shows a bar per second with sales, from any source, and the total", async () => {
    const dashboard = await admin();
    expect(dashboard.hasElement("svg.chart rect.chart__bar")).toBe(false);
    expect(text(dashboard, ".admin__total")).toBe("0");
    expect(dashboard.hasElement("svg.chart .chart__axis")).toBe(true);
    expect(dashboard.hasElement("svg.chart .chart__label", "now")).toBe(true);

    const [first, second] = shop.itemsOf(1);
    const count = shop.store.inventory.item(first!)!.count;
    await shop.setStock(first!, count - 5); // five sold, as the database tells it
    expect(await shop.store.inventory.sell(second!)).toBe(true); // one sold by the conditional decrement
    await vi.waitFor(() => expect(text(dashboard, ".admin__total")).toBe("6"));
    expect(dashboard.hasElement("svg.chart rect.chart__bar")).toBe(true);
    expect(dashboard.hasElement("svg.chart rect.chart__bar title", /^[1-6] sold/)).toBe(true);
    expect(text(dashboard, `${size(first!)} .admin__available`)).toBe(`${count - 5} available`);

    // A restock is not a sale; the stock shown follows it on the next second's refresh.
    await shop.setStock(first!, count + 100);
    await vi.waitFor(() => expect(text(dashboard, `${size(first!)} .admin__available`)).toBe(`${count + 100} available`), { timeout: 2500 });
    expect(shop.store.sales.total).toBe(6);
    expect(text(dashboard, ".admin__total")).toBe("6");
  });

  test("a burst of sales re-reads the sales, not the shoppers; a shopper arriving is counted", async () => {
    const dashboard = await admin();
    const presence = shop.app.switchboard.presence;
    // Calls through to the real listing; only counts which topics were listed.
    const list = vi.spyOn(presence, "list");
    const shopperCounts = () => list.mock.calls.filter(([topic]) => topic === "store:shoppers").length;
    try {
      const before = shop.store.sales.total;
      const [item] = shop.itemsOf(1);
      for (let i = 0; i < 20; i++) expect(await shop.store.inventory.sell(item!)).toBe(true);
      await vi.waitFor(() => expect(text(dashboard, ".admin__total")).toBe(String(before + 20)));
      // 20 sales, one or two re-reads of the sales, and never a count of the shoppers' pages.
      expect(shopperCounts()).toBe(0);

      await open("/", { session: { cartId: newCart() } });
      await shows(dashboard, ".admin__shoppers", "1");
      expect(shopperCounts()).toBeGreaterThan(0);
    } finally {
      list.mockRestore();
    }
  });

  test("lists the connected nodes, this one marked", async () => {
    const dashboard = await admin();
    const node = shop.app.switchboard.presence.node;
    expect(dashboard.element(`.admin__nodes .admin__node[data-node="${node}"]`).textContent()).toContain("(this node)");
    expect(dashboard.element(`.admin__node[data-node="${node}"]`).textContent()).toContain(`pid ${process.pid}`);
    expect(Object.keys(shop.app.switchboard.presence.list("store:nodes"))).toEqual([node]);
  });
});
