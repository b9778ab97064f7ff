// A live view joined over a connection (live-process.ts): bad events, PubSub messages and their
// cleanup, isolation of a crashing view, ordering of one view's events, and navigation as pushes
// and as join replies. Most tests drive views in-process through the harness; those whose point
// is the wire (malformed payloads, crash frames, reply order, the 1,000-view leak check over real
// sockets closing) run over real websockets.

import { afterEach, describe, expect, test } from "vitest";
import { html, scheduler, toHTML } from "../../src/switchboard/index.ts";
import { defineLive, type EventValue, type Params } from "../../src/switchboard/live-view.ts";
import type { Message } from "../../src/switchboard/pubsub.ts";
import { assertPatch, assertRedirect, followRedirect, live, LiveRedirect } from "../../src/testing/index.ts";
import { createApp, joinReply, payloads, send, type TestApp } from "../support/app.ts";
import { fire, framesOf, Harness, until, type OpenView } from "../support/live-harness.ts";
import { TestSocket, type Frame } from "../support/socket-client.ts";

let h: Harness;
let t: TestApp;
afterEach(async () => {
  await h?.close();
  await t?.close();
});

const Counter = defineLive<{ count: number }, { inc: EventValue }>({
  mount: (_c, socket) => socket.assign({ count: 0 }),
  handleEvent: { inc: (_v, socket) => socket.update("count", (c) => c + 1) },
  render: ({ count }) => html`<p>${count}</p>`,
});

describe("bad events", () => {
  test("an unknown event gets SB_ERR_UNKNOWN_EVENT and the view keeps working", async () => {
    t = await createApp({ liveRoutes: { "/": Counter } });
    const view = await live(t.app, "/");
    expect(await send(view, "nope")).toEqual({ status: "error", response: { reason: expect.stringContaining("nope"), code: "SB_ERR_UNKNOWN_EVENT" } });
    // Inherited names are not handlers either.
    for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
      expect((await send(view, name, { reply: { forged: true } })).response).toMatchObject({ code: "SB_ERR_UNKNOWN_EVENT" });
    }
    // So is a message that is no live view message.
    expect((await view.request("jump")).response.code).toBe("SB_ERR_UNKNOWN_EVENT");
    expect(await send(view, "inc")).toEqual({ status: "ok", response: { diff: { 0: "1" } } });
    expect(view.render()).toBe("<p>1</p>");
  });

  test.each<[string, Record<string, unknown>]>([
    ["type is not a string", { type: 1, event: "inc", value: {} }],
    ["event is missing", { type: "click", value: {} }],
    ["event is empty", { type: "click", event: "", value: {} }],
    ["value is a number", { type: "click", event: "inc", value: 5 }],
    ["value is an array", { type: "click", event: "inc", value: ["a"] }],
    ["cid is -1", { type: "click", event: "inc", value: {}, cid: -1 }],
    ["cid is 1.5", { type: "click", event: "inc", value: {}, cid: 1.5 }],
    ["cid is a string", { type: "click", event: "inc", value: {}, cid: "1" }],
  ])("a payload whose %s gets SB_ERR_EVENT_PAYLOAD and the view keeps working", async (_name, payload) => {
    h = await new Harness().start({ liveRoutes: { "/": Counter } });
    const { socket, view } = await h.open("/");
    const reply = await socket.push(view.topic, "event", payload, view.joinRef);
    expect(reply[4]).toEqual({ status: "error", response: { reason: expect.any(String), code: "SB_ERR_EVENT_PAYLOAD" } });
    expect((await view.event("inc"))[4].status).toBe("ok");
    expect(view.html()).toBe("<p>1</p>");
  });

  test("an event for a component the view does not have gets SB_ERR_UNKNOWN_COMPONENT", async () => {
    t = await createApp({ liveRoutes: { "/": Counter } });
    const view = await live(t.app, "/");
    expect((await send(view, "inc", {}, 9)).response.code).toBe("SB_ERR_UNKNOWN_COMPONENT");
    // Through the harness's pushEvent, the refusal carries the server's code.
    await expect(view.pushEvent("click", "inc", {}, 9)).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED", response: { code: "SB_ERR_UNKNOWN_COMPONENT" } });
    expect((await send(view, "inc")).status).toBe("ok");
    expect(view.render()).toBe("<p>1</p>");
  });
});

describe("PubSub messages", () => {
  const infos: { view: string; event: string }[] = [];
  const News = defineLive<{ headline: string }, { say: EventValue; sayAll: EventValue; ping: EventValue }>({
    mount(_c, socket) {
      socket.assign({ headline: "none" });
      if (socket.connected) socket.subscribe("news");
    },
    handleEvent: {
      say: ({ text }, socket) => socket.broadcastFrom("news", "headline", text),
      sayAll: ({ text }, socket) => socket.broadcast("news", "headline", text),
      ping() {},
    },
    handleInfo(message: Message, socket) {
      infos.push({ view: socket.id, event: message.event });
      if (message.event === "headline") socket.assign({ headline: String(message.payload) });
    },
    render: ({ headline }) => html`<h2>${headline}</h2>`,
  });

  test("a broadcast to a subscribed topic reaches handleInfo and pushes a diff", async () => {
    t = await createApp({ liveRoutes: { "/": News } });
    const view = await live(t.app, "/");
    const pubsub = t.app.switchboard.pubsub;
    pubsub.broadcast("news", "headline", "Sneakers & more");
    await view.settle();
    expect(payloads(view, "diff")).toEqual([{ 0: "Sneakers &amp; more" }]);
    // A message that changes nothing pushes nothing: the next push is the next change.
    pubsub.broadcast("news", "other", null);
    pubsub.broadcast("news", "headline", "Boots");
    await view.settle();
    expect(payloads(view, "diff")).toEqual([{ 0: "Sneakers &amp; more" }, { 0: "Boots" }]);
    expect(view.render()).toBe("<h2>Boots</h2>");
  });

  test("broadcastFrom reaches other views, not the sender; broadcast reaches the sender too", async () => {
    infos.length = 0;
    t = await createApp({ liveRoutes: { "/": News } });
    const a = await live(t.app, "/");
    const b = await live(t.app, "/", { socket: a.socket });
    const c = await live(t.app, "/");
    await send(a, "say", { text: "from a" });
    await Promise.all([a.settle(), b.settle(), c.settle()]);
    expect(payloads(a, "diff")).toEqual([]);
    expect(infos.map((i) => `lv:${i.view}`).sort()).toEqual([b.topic, c.topic].sort());
    expect(a.render()).toBe("<h2>none</h2>");
    expect(b.render()).toBe("<h2>from a</h2>");
    expect(c.render()).toBe("<h2>from a</h2>");
    await send(a, "sayAll", { text: "to all" });
    expect(await a.settle()).toBe("<h2>to all</h2>");
  });

  test("the subscription ends when the view leaves or its socket closes", async () => {
    t = await createApp({ liveRoutes: { "/": News } });
    const pubsub = t.app.switchboard.pubsub;
    const a = await live(t.app, "/");
    const b = await live(t.app, "/");
    expect(pubsub.subscriberCount("news")).toBe(2);
    await a.leave(); // rejects unless the reply is ok
    expect(pubsub.subscriberCount("news")).toBe(1);
    b.close();
    expect(pubsub.subscriberCount()).toBe(0);
    // A broadcast now reaches no one and fails nothing.
    pubsub.broadcast("news", "headline", "late");
    const view = await live(t.app, "/", { socket: a.socket });
    expect(view.render()).toBe("<h2>none</h2>");
    expect(a.render()).toBe("<h2>none</h2>");
  });

  test("1,000 views that subscribe in mount leave no subscription and no connection behind", async () => {
    h = await new Harness().start({ liveRoutes: { "/": News } });
    const { page } = await h.open("/");
    h.sockets.splice(0).forEach((s) => s.close());
    const endpoint = h.app.switchboard;
    await until(() => expect(endpoint.connections.size).toBe(0));
    const perSocket = 100;
    const sockets = await Promise.all(Array.from({ length: 10 }, () => TestSocket.connect(h.server, { cookie: page.cookie })));
    h.sockets.push(...sockets);
    const joins: Promise<Frame>[] = [];
    sockets.forEach((socket, s) => {
      for (let i = 0; i < perSocket; i++) {
        const ref = socket.nextRef();
        const topic = `lv:leak-${s}-${i}`;
        joins.push(socket.waitFor((f) => f[1] === ref && f[2] === topic && f[3] === "phx_reply"));
        socket.send([ref, ref, topic, "phx_join", { url: `${h.server.url}/`, session: page.session, params: { _csrf_token: page.csrf } }]);
      }
    });
    const replies = await Promise.all(joins);
    expect(replies.every((f) => f[4].status === "ok")).toBe(true);
    expect(endpoint.pubsub.subscriberCount("news")).toBe(1000);
    expect(endpoint.connections.size).toBe(10);
    // Half the sockets leave each view first; the others just go away.
    const leaves: Promise<Frame>[] = [];
    sockets.slice(0, 5).forEach((socket, s) => {
      for (let i = 0; i < perSocket; i++) leaves.push(socket.push(`lv:leak-${s}-${i}`, "phx_leave", {}, null));
    });
    expect((await Promise.all(leaves)).every((f) => f[4].status === "ok")).toBe(true);
    expect(endpoint.pubsub.subscriberCount("news")).toBe(500);
    for (const socket of sockets) socket.close();
    await Promise.all(sockets.map((s) => s.closed));
    await until(() => {
      expect(endpoint.pubsub.subscriberCount()).toBe(0);
      expect(endpoint.connections.size).toBe(0);
    });
  });
});

describe("isolation", () => {
  let failInfo = false;
  const Fragile = defineLive<{ count: number; broken: boolean }, { inc: EventValue; boom: EventValue; breakRender: EventValue; asyncBoom: EventValue }>({
    mount(_c, socket) {
      socket.assign({ count: 0, broken: false });
      if (socket.connected) socket.subscribe("fragile");
    },
    handleEvent: {
      inc: (_v, socket) => socket.update("count", (c) => c + 1),
      boom() {
        throw new Error("handler failed");
      },
      breakRender: (_v, socket) => socket.assign({ broken: true }),
      async asyncBoom() {
        await Promise.resolve();
        throw new Error("async handler failed");
      },
    },
    async handleInfo(message: Message, socket) {
      await new Promise((resolve) => setImmediate(resolve));
      if (failInfo && message.payload === socket.id) throw new Error("info failed");
    },
    render({ count, broken }) {
      if (broken) throw new Error("render failed");
      return html`<p>${count}</p>`;
    },
  });

  const crashes: [string, (target: OpenView) => void][] = [
    ["a handler throws", ({ view }) => void fire(view, "boom")],
    ["an async handler rejects", ({ view }) => void fire(view, "asyncBoom")],
    ["render throws", ({ view }) => void fire(view, "breakRender")],
    ["handleInfo rejects", ({ page }) => h.app.switchboard.pubsub.broadcast("fragile", "poison", page.id)],
  ];

  test.each(crashes)("when %s, only that view ends (phx_error); its neighbours go on and a rejoin remounts it", async (_name, crash) => {
    failInfo = true;
    h = await new Harness().start({ liveRoutes: { "/": Fragile } });
    const target = await h.open("/");
    const sibling = await h.open("/", target.socket);
    const stranger = await h.open("/");
    for (const { view } of [target, sibling, stranger]) await view.event("inc");
    await target.view.event("inc");
    expect(target.view.html()).toBe("<p>2</p>");
    const errored = target.view.nextPush("phx_error");
    crash(target);
    const error = await errored;
    expect(error).toEqual([target.view.joinRef, target.view.joinRef, target.view.topic, "phx_error", {}]);
    expect(h.crashes()).toHaveLength(1);
    expect(h.crashes()[0]!.obj).toMatchObject({ topic: target.view.topic, view: "/" });
    // The crashed topic is gone; the others answer.
    expect((await target.view.event("inc"))[4].response.code).toBe("SB_ERR_UNMATCHED_TOPIC");
    expect((await sibling.view.event("inc"))[4].response.diff).toEqual({ 0: "2" });
    expect((await stranger.view.event("inc"))[4].response.diff).toEqual({ 0: "2" });
    expect(h.app.switchboard.pubsub.subscriberCount("fragile")).toBe(2);
    // The client rejoins the same topic: a fresh mount.
    const rejoined = await h.join(target.socket, target.page, "/");
    expect(rejoined.joinReply![4].status).toBe("ok");
    expect(rejoined.html()).toBe("<p>0</p>");
    expect((await rejoined.event("inc"))[4].status).toBe("ok");
    expect(rejoined.html()).toBe("<p>1</p>");
    expect(sibling.view.html()).toBe("<p>2</p>");
    expect(stranger.view.html()).toBe("<p>2</p>");
    failInfo = false;
  });

  test.each([
    ["mount", true],
    ["the first render", false],
  ])("a view whose %s throws on join gets an error reply (join crashed); the socket stays usable", async (_name, inMount) => {
    const Broken = defineLive<{ connected: boolean }>({
      mount(_c, socket) {
        if (socket.connected && inMount) throw new Error("mount failed");
        socket.assign({ connected: socket.connected });
      },
      render({ connected }) {
        if (connected) throw new Error("render failed");
        return html`<p>dead only</p>`;
      },
    });
    h = await new Harness().start({ liveRoutes: { "/": Counter, "/broken": Broken } });
    const { socket, view } = await h.open("/");
    const page = await h.load("/broken", socket);
    expect(page.html).toContain("<p>dead only</p>");
    const broken = await h.join(socket, page, "/broken");
    expect(broken.joinReply![4]).toEqual({ status: "error", response: { reason: "join crashed", code: "SB_ERR_CHANNEL_CRASHED" } });
    expect(framesOf(socket, broken.topic, "phx_error")).toEqual([]);
    expect(h.crashes()).toHaveLength(1);
    expect(h.crashes()[0]!.obj).toMatchObject({ topic: broken.topic, view: "/broken" });
    expect((await broken.event("x"))[4].response.code).toBe("SB_ERR_UNMATCHED_TOPIC");
    expect((await view.event("inc"))[4].status).toBe("ok");
    expect(view.html()).toBe("<p>1</p>");
    expect(broken.html()).toBe("");
  });
});

describe("ordering", () => {
  const log: string[] = [];
  const Slow = defineLive<{ done: string }, { work: EventValue }>({
    mount: (_c, socket) => socket.assign({ done: "" }),
    handleEvent: {
      async work({ name, ms }, socket) {
        log.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, Number(ms)));
        log.push(`end ${name}`);
        socket.update("done", (d) => d + name);
      },
    },
    render: ({ done }) => html`<p>${done}</p>`,
  });

  test("one view's events run one at a time in arrival order, whatever their handlers' delays", async () => {
    log.length = 0;
    h = await new Harness().start({ liveRoutes: { "/": Slow } });
    const { socket, view } = await h.open("/");
    const replies = await Promise.all([
      view.event("work", { name: "a", ms: "40" }),
      view.event("work", { name: "b", ms: "0" }),
      view.event("work", { name: "c", ms: "15" }),
      view.event("work", { name: "d", ms: "1" }),
    ]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c", "start d", "end d"]);
    expect(replies.map((r) => r[4].response.diff[0])).toEqual(["a", "ab", "abc", "abcd"]);
    const order = socket.received.filter((f) => f[3] === "phx_reply" && f[2] === view.topic && f[1] !== view.joinRef).map((f) => f[1]);
    expect(order).toEqual(replies.map((r) => r[1]));
    expect(view.html()).toBe("<p>abcd</p>");
  });
});

describe("priority", () => {
  /** Busy work standing in for a render: ~`ms` of CPU. */
  const spin = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  const ran: string[] = [];
  const feedView = (name: string, priority?: "normal" | "high") =>
    defineLive<{ n: number }>({
      priority,
      mount(_c, socket) {
        socket.assign({ n: 0 });
        if (socket.connected) socket.subscribe("feed");
      },
      handleInfo(_message, socket) {
        spin(0.05);
        ran.push(name);
        socket.update("n", (n) => n + 1);
      },
      render: ({ n }) => html`<p>${n}</p>`,
    });

  test("a high-priority view joined after 300 others hears a fan-out that outlasts a slice before the views still waiting", async () => {
    ran.length = 0;
    const previous = scheduler.sliceMs;
    scheduler.sliceMs = 1;
    try {
      t = await createApp({ liveRoutes: { "/": feedView("page"), "/dashboard": feedView("dashboard", "high") } });
      const pages = [];
      for (let i = 0; i < 300; i++) pages.push(await live(t.app, "/"));
      const dashboard = await live(t.app, "/dashboard");
      t.app.switchboard.pubsub.broadcast("feed", "tick", null);
      // The first slice spends its millisecond on the first pages; the dashboard, subscribed
      // last, runs first in the next slice, not after the 300 pages.
      await Promise.all([...pages, dashboard].map((view) => view.settle()));
      expect(ran).toHaveLength(301);
      const at = ran.indexOf("dashboard");
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(150);
      expect(dashboard.render()).toBe("<p>1</p>");
      expect(pages.every((page) => page.render() === "<p>1</p>")).toBe(true);
    } finally {
      scheduler.sliceMs = previous;
    }
  });
});

describe("navigation", () => {
  const params: string[] = [];
  const Shop = defineLive<{ id: string; sort: string }, { next: EventValue; replace: EventValue; elsewhere: EventValue; go: EventValue; leave: EventValue }>({
    mount: (_c, socket) => socket.assign({ id: "", sort: "" }),
    handleParams(p: Params, url, socket) {
      params.push(`${url.pathname}${url.search}`);
      socket.assign({ id: String(p.id), sort: String(p.sort ?? "none") });
    },
    handleEvent: {
      next: (_v, socket) => socket.pushPatch(`/shop/${Number(socket.assigns.id) + 1}?sort=price`),
      replace: (_v, socket) => socket.pushPatch("/shop/9", { replace: true }),
      elsewhere: (_v, socket) => socket.pushPatch("/about"),
      go: (_v, socket) => socket.pushNavigate("/about", { replace: true }),
      leave: (_v, socket) => socket.redirect("/login"),
    },
    render: ({ id, sort }) => html`<h1>Shoe ${id}</h1><p>sorted by ${sort}</p>`,
  });
  const About = defineLive<{}>({ mount() {}, render: () => html`<p>about</p>` });

  test("pushPatch pushes live_patch {to, kind}, runs handleParams with the new params and replies with their diff", async () => {
    params.length = 0;
    t = await createApp({ liveRoutes: { "/shop/:id": Shop, "/about": About } });
    const view = await live(t.app, "/shop/1");
    const reply = await send(view, "next");
    expect(payloads(view, "live_patch")).toEqual([{ to: "/shop/2?sort=price", kind: "push" }]);
    expect(assertPatch(view, "/shop/2?sort=price")).toBe("/shop/2?sort=price");
    expect(reply.response.diff).toEqual({ 0: "2", 1: "price" });
    expect(params.slice(2)).toEqual(["/shop/2?sort=price"]);
    await send(view, "replace");
    expect(payloads(view, "live_patch")[1]).toEqual({ to: "/shop/9", kind: "replace" });
    expect(view.url).toBe("http://localhost/shop/9");
    expect(view.render()).toBe("<h1>Shoe 9</h1><p>sorted by none</p>");
  });

  test("the client's live_patch {url} runs handleParams; a URL of another view is refused with SB_ERR_NO_ROUTE", async () => {
    params.length = 0;
    t = await createApp({ liveRoutes: { "/shop/:id": Shop, "/about": About } });
    const view = await live(t.app, "/shop/1");
    expect(await view.request("live_patch", { url: "http://localhost/shop/5?sort=size" })).toEqual({ status: "ok", response: { diff: { 0: "5", 1: "size" } } });
    expect(params.slice(2)).toEqual(["/shop/5?sort=size"]);
    for (const url of ["http://localhost/about", "http://elsewhere.example/shop/6", 42]) {
      expect(await view.request("live_patch", { url })).toEqual({ status: "error", response: { reason: expect.any(String), code: "SB_ERR_NO_ROUTE" } });
    }
    await expect(view.patch("/about")).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED", response: { code: "SB_ERR_NO_ROUTE" } });
    expect(params).toHaveLength(3);
    // A patch to the same URL changes nothing and sends nothing.
    expect(await view.request("live_patch", { url: "/shop/5?sort=size" })).toEqual({ status: "ok", response: {} });
    expect(view.render()).toBe("<h1>Shoe 5</h1><p>sorted by size</p>");
  });

  test("pushPatch to another view's URL becomes live_redirect; pushNavigate pushes live_redirect; redirect pushes redirect", async () => {
    t = await createApp({ liveRoutes: { "/shop/:id": Shop, "/about": About } });
    const view = await live(t.app, "/shop/1");
    await send(view, "elsewhere");
    expect(payloads(view, "live_redirect")).toEqual([{ to: "/about", kind: "push" }]);
    await send(view, "go");
    expect(payloads(view, "live_redirect")[1]).toEqual({ to: "/about", kind: "replace" });
    await send(view, "leave");
    expect(payloads(view, "redirect")).toEqual([{ to: "/login" }]);
    expect(payloads(view, "live_patch")).toEqual([]);
    expect(view.navigations.map((n) => `${n.kind} ${n.to}`)).toEqual(["navigate /about", "navigate /about", "redirect /login"]);
    assertRedirect(view, "/about");
    // The view is still there until the client leaves it.
    expect((await send(view, "replace")).status).toBe("ok");
    expect(view.render()).toBe("<h1>Shoe 9</h1><p>sorted by none</p>");
  });

  test("pushNavigate or redirect during the connected mount answers the join with an error naming where to go", async () => {
    const Moving = defineLive<{}>({
      mount(_c, socket) {
        if (socket.connected) socket.pushNavigate("/about");
      },
      render: () => html`<p>moving</p>`,
    });
    const Leaving = defineLive<{}>({
      mount(_c, socket) {
        if (!socket.connected) return;
        socket.putFlash("error", "Log in first");
        socket.redirect("/login");
      },
      render: () => html`<p>leaving</p>`,
    });
    t = await createApp({ liveRoutes: { "/moving": Moving, "/leaving": Leaving, "/about": About } });
    const moving = (await live(t.app, "/moving").catch((error) => error)) as LiveRedirect;
    expect(moving).toBeInstanceOf(LiveRedirect);
    expect(joinReply(moving.view!)).toEqual({ status: "error", response: { live_redirect: { to: "/about", kind: "push" } } });
    expect(toHTML(moving.view!.tree)).toBe("");
    const socket = moving.view!.socket;
    const leaving = (await live(t.app, "/leaving", { socket }).catch((error) => error)) as LiveRedirect;
    expect(leaving.view!.deadHTML).toBe("<p>leaving</p>");
    expect(joinReply(leaving.view!)).toEqual({ status: "error", response: { redirect: { to: "/login", flash: expect.any(String) } } });
    // Neither stays joined.
    expect((await send(moving.view!, "x")).response.code).toBe("SB_ERR_UNMATCHED_TOPIC");
    expect(t.app.switchboard.connections.size).toBe(1);
    // Followed as the client does, over the same connection.
    const about = await followRedirect(moving);
    expect(about.socket).toBe(socket);
    expect(about.render()).toBe("<p>about</p>");
  });
});
