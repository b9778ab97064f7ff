// Sneakers23 on three real node processes sharing one PostgreSQL, linked by each cluster PubSub
// in turn: releases, sales and carts reach pages on every node, Presence counts every node's
// shoppers, a scheduled release fires once, an outage of the link is caught up, and a node killed
// with SIGKILL disappears from every dashboard within 10 seconds while the others keep serving.

import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readConfig } from "../../src/store/config.ts";
import { itemAvailabilities } from "../../src/store/schema.ts";
import { openStore } from "../../src/store/store.ts";
import { PubSub, randomId } from "../../src/switchboard/index.ts";
import { basicAuth, eventually, openTab, StoreNode, type ClusterEnv, type Tab } from "../support/cluster.ts";
import { hasPostgres, postgresUrl, urlFor } from "../support/databases.ts";
import { freePort, hasRedisServer, PrivateRedis } from "../support/redis.ts";

const count = (html: string, pattern: RegExp) => (html.match(pattern) ?? []).length;
const levelOf = (html: string, itemId: number) => new RegExp(`size-container__entry--level-(\\w+)"[^>]*value="${itemId}"`).exec(html)?.[1];
const cartIds = (html: string) => [...html.matchAll(/class="cart-item[^"]*" data-item-id="(\d+)"/g)].map((m) => Number(m[1]));
const shoppersOnline = (admin: Tab) => Number(/class="admin__stat admin__shoppers">(\d+)</.exec(admin.html())?.[1]);
const nodesListed = (admin: Tab) => count(admin.html(), /class="admin__node"/g);

for (const kind of ["postgres", "redis"] as const) {
  describe.skipIf(!hasPostgres || (kind === "redis" && !hasRedisServer))(`three store nodes linked by ${kind}`, () => {
    const name = `sb_cluster_${kind}_${randomId(6).toLowerCase().replace(/[^a-z0-9]/g, "")}`;
    const url = urlFor(name);
    const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
    let redis: PrivateRedis | null = null;
    let env: ClusterEnv;
    let nodes: StoreNode[] = [];
    const tabs: Tab[] = [];
    let items: number[];
    let otherItems: number[];
    const open = async (node: StoreNode, path: string, options?: Parameters<typeof openTab>[2]) => {
      const tab = await openTab(node, path, options);
      tabs.push(tab);
      return tab;
    };

    beforeAll(async () => {
      await admin.unsafe(`create database "${name}"`);
      if (kind === "redis") {
        redis = new PrivateRedis(await freePort());
        await redis.start();
      }
      env = { DATABASE_URL: url, PUBSUB: kind, PUBSUB_PREFIX: `t${randomId(6).toLowerCase().replace(/[^a-z0-9]/g, "")}`, ...(redis ? { REDIS_URL: redis.url } : {}) };
      // Seeded here first, with stock set near the level thresholds the tests cross.
      const store = await openStore({ config: { ...readConfig({}), databaseUrl: url, pubsub: "local" }, pubsub: new PubSub(), seed: true, scheduler: false });
      items = store.inventory.product(1)!.items.map((item) => item.id);
      otherItems = store.inventory.product(2)!.items.map((item) => item.id);
      for (const id of [...items, ...otherItems]) await store.database.db.update(itemAvailabilities).set({ availableCount: 600 }).where(eq(itemAvailabilities.itemId, id));
      await store.database.db.update(itemAvailabilities).set({ availableCount: 150 }).where(eq(itemAvailabilities.itemId, items[0]!));
      await store.database.db.update(itemAvailabilities).set({ availableCount: 1 }).where(eq(itemAvailabilities.itemId, items[1]!));
      await store.close();
      nodes = await Promise.all(["a", "b", "c"].map((n) => StoreNode.start(env, `${n}-${kind}`)));
    }, 60_000);

    afterAll(async () => {
      for (const tab of tabs) tab.close();
      await Promise.all(nodes.map((node) => node.kill("SIGKILL")));
      await redis?.kill();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 2 });
    }, 30_000);

    const closeTabs = () => {
      for (const tab of tabs.splice(0)) tab.close();
    };

    test("a release on node A reaches a live product page on node C, and a fresh page on B", async () => {
      const [a, b, c] = nodes as [StoreNode, StoreNode, StoreNode];
      const shop = await open(c, "/");
      expect(count(shop.html(), /coming soon\.\.\./g)).toBe(2);
      const dashboard = await open(a, "/admin", { authorization: basicAuth() });
      await dashboard.view.event("release", { product: "1" });
      await eventually("the release shows on node C", () => count(shop.html(), /class="size-container__entry /g) === 13);
      const fresh = await (await fetch(`${b.url}/`)).text();
      expect(count(fresh, /class="size-container__entry /g)).toBe(13);
      closeTabs();
    });

    test("a sale checked out on node B changes the level on A's and C's pages", async () => {
      const [a, b, c] = nodes as [StoreNode, StoreNode, StoreNode];
      const onA = await open(a, "/");
      const onC = await open(c, "/");
      expect(levelOf(onA.html(), items[0]!)).toBe("medium");
      const shopper = await open(b, "/");
      await shopper.view.event("add", { item: String(items[0]) });
      const checkout = await open(b, "/checkout", { cookie: shopper.cookie });
      await checkout.view.event("purchase");
      await eventually("the level drops to low on A", () => levelOf(onA.html(), items[0]!) === "low");
      await eventually("the level drops to low on C", () => levelOf(onC.html(), items[0]!) === "low");
      closeTabs();
    });

    test("a shopper's tabs on different nodes show one cart", async () => {
      const [a, , c] = nodes as [StoreNode, StoreNode, StoreNode];
      const first = await open(a, "/");
      const second = await open(c, "/", { cookie: first.cookie });
      await first.view.event("add", { item: String(items[5]) });
      await eventually("the add shows on node C's tab", () => cartIds(second.html()).includes(items[5]!));
      const cid = Number(/phx-target="(\d+)"/.exec(second.html())![1]);
      await second.view.event("remove", { item: String(items[5]) }, { cid });
      await eventually("the remove shows on node A's tab", () => cartIds(first.html()).length === 0);
      closeTabs();
    });

    test("the admin on A counts shoppers on every node, and lists every node", async () => {
      const [a, b, c] = nodes as [StoreNode, StoreNode, StoreNode];
      // Kept out of `tabs`, so that it stays open while the shoppers' tabs close.
      const dashboard = await openTab(a, "/admin", { authorization: basicAuth() });
      await eventually("three nodes listed", () => nodesListed(dashboard) === 3);
      const onB = await open(b, "/");
      await open(c, "/", { cookie: onB.cookie }); // the same shopper on another node
      await open(c, "/");
      await eventually("two shoppers online", () => shoppersOnline(dashboard) === 2);
      await onB.view.event("add", { item: String(items[6]) });
      await eventually("one shopper has the size in a cart", () => /data-item-id="\d+"><td>[^<]*<\/td><td><span class="admin__in-cart">1 in cart/.test(dashboard.html()));
      closeTabs();
      await eventually("no shopper online once the tabs are closed", () => shoppersOnline(dashboard) === 0);
      dashboard.close();
    });

    test("a scheduled release fires once, on one node, and shows on all", async () => {
      const shops = await Promise.all(nodes.map((node) => open(node, "/")));
      const dashboard = await open(nodes[0]!, "/admin", { authorization: basicAuth() });
      const at = new Date(Date.now() + 2500).toISOString();
      await dashboard.view.event("schedule", `product=2&release_at=${encodeURIComponent(at)}`, { type: "form" });
      await eventually("the countdown shows everywhere", () => shops.every((shop) => shop.html().includes("Launch")));
      await eventually("product 2's sizes show on every node", () => shops.every((shop) => count(shop.html(), /class="size-container__entry /g) === 26), 10_000);
      const fired = nodes.map((node) => count(node.output(), /store: scheduled release/g));
      expect(fired.reduce((sum, n) => sum + n, 0)).toBe(1);
      closeTabs();
    });

    test(kind === "redis" ? "Redis killed and restarted: every node keeps serving, then catches up on what it missed" : "a node's listener cut off: it catches up on what it missed", async () => {
      const [a, b] = nodes as [StoreNode, StoreNode, StoreNode];
      const watcher = await open(b, "/");
      expect(levelOf(watcher.html(), items[1]!)).toBe("low");
      if (redis) await redis.kill();
      else await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and query ilike 'listen%'`;
      // Bought on A during the outage: B may not hear of it.
      const shopper = await open(a, "/");
      await shopper.view.event("add", { item: String(items[1]) });
      const checkout = await open(a, "/checkout", { cookie: shopper.cookie });
      await checkout.view.event("purchase");
      expect(checkout.html()).not.toContain("could not be completed");
      // B keeps serving meanwhile.
      expect((await fetch(`${b.url}/`)).status).toBe(200);
      if (redis) await redis.start();
      await eventually("B's page shows the size sold out", () => levelOf(watcher.html(), items[1]!) === "out", 15_000);
      closeTabs();
    }, 30_000);

    test("a node killed with SIGKILL leaves every dashboard within 10 s; the others keep serving", async () => {
      const [a, b, c] = nodes as [StoreNode, StoreNode, StoreNode];
      const dashboard = await open(a, "/admin", { authorization: basicAuth() });
      await open(c, "/");
      await open(c, "/");
      await eventually("two shoppers on C", () => shoppersOnline(dashboard) === 2);
      await c.kill("SIGKILL");
      const took = await eventually("C's shoppers gone from A's dashboard", () => shoppersOnline(dashboard) === 0 && nodesListed(dashboard) === 2, 12_000);
      expect(took).toBeLessThanOrEqual(10_000);
      const onB = await open(b, "/");
      expect(count(onB.html(), /class="size-container__entry /g)).toBe(26);
      closeTabs();
    }, 30_000);
  });
}
