// The test harness by example: every capability of src/testing, one short test each, against the
// small shop defined below. docs/testing.md walks through the same examples.

import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
// The package's own entry points, as an app's tests import them (package.json "exports").
import { defineChannel, defineComponent, defineLive, html, liveComponent, reply, switchboard, type EventValue, type Message } from "switchboard";
import { assertPatch, assertPushEvent, assertRedirect, connect, followRedirect, live, liveIsolated, LiveRedirect } from "switchboard/testing";

// ---- The app under test ---------------------------------------------------------------------

interface ShopAssigns {
  count: number;
  stock: number;
  email: string;
  error: string;
  saved: string;
  keys: string;
  focus: string;
  page: string;
  ticks: number;
}

/** A cart: a stateful component with its own events (phx-target=${myself}). */
const Cart = defineComponent<{ id: string }, { items: number }, { add: EventValue }>({
  mount: (socket) => socket.assign({ items: 0 }),
  handleEvent: { add: (_v, socket) => socket.update("items", (n) => n + 1) },
  render: ({ items }, { myself }) => html`<aside id="cart"><button phx-click="add" phx-target=${myself}>Add</button> ${items} in cart</aside>`,
});

const Shop = defineLive<ShopAssigns, Record<string, EventValue>>({
  title: "Shop",
  mount(_context, socket) {
    socket.assign({ count: 0, stock: 3, email: "", error: "", saved: "", keys: "", focus: "", page: "1", ticks: 0 });
    if (socket.connected) socket.subscribe("stock");
  },
  handleParams: (params, _url, socket) => socket.assign({ page: String(params.page ?? "1") }),
  handleEvent: {
    inc: ({ by }, socket) => socket.update("count", (n) => n + Number(by ?? 1)),
    validate: ({ email }, socket) => socket.assign({ email: String(email), error: String(email).includes("@") ? "" : "must contain @" }),
    save: (form, socket) => socket.assign({ saved: `${form.email} wants ${form.size}${form.news ? " with news" : ""}` }),
    key: ({ key }, socket) => socket.update("keys", (keys) => keys + `[${key}]`),
    focused: (_v, socket) => socket.assign({ focus: "in" }),
    blurred: (_v, socket) => socket.assign({ focus: "out" }),
    point: ({ x }) => ({ reply: { y: Number(x) * 2 } }),
    next: (_v, socket) => socket.pushPatch(`/?page=${Number(socket.assigns.page) + 1}`),
    checkout(_v, socket) {
      socket.putFlash("info", "Order placed");
      socket.pushNavigate("/done");
    },
    logout: (_v, socket) => socket.redirect("/login"),
    highlight: (_v, socket) => socket.pushEvent("highlight", { id: 7 }),
    rename: (_v, socket) => socket.setTitle(`Shop (${socket.assigns.count})`),
    later: (_v, socket) => void socket.sendInfo("tick", null, 1000),
    boom() {
      throw new Error("the till is empty");
    },
  },
  handleInfo(message: Message, socket) {
    if (message.event === "restock") socket.update("stock", (n) => n + Number(message.payload));
    if (message.event === "tick") socket.update("ticks", (n) => n + 1);
  },
  render: (a) => html`
    <h1>Shop, page ${a.page}</h1>
    <p id="count">Count: ${a.count}</p>
    <button id="inc" phx-click="inc" phx-value-by="1">+1</button>
    <ul>
      <li class="shoe">Air <b>${a.stock} left</b></li>
      <li class="shoe sold-out">Boot</li>
    </ul>
    <form id="signup" phx-change="validate" phx-submit="save">
      <input name="email" value=${a.email} />
      <select name="size"><option value="42">42</option><option value="43" selected>43</option></select>
      <input type="checkbox" name="news" value="yes" />
      ${a.error ? html`<p class="error">${a.error}</p>` : null}
    </form>
    <p id="saved">${a.saved}</p>
    <input id="search" phx-keydown="key" phx-key="Enter" phx-focus="focused" phx-blur="blurred" />
    <p id="keys">${a.keys} ${a.focus}</p>
    <canvas id="chart" phx-hook="Chart"></canvas>
    <button id="boom" phx-click="boom">Pay</button>
    <p id="ticks">${a.ticks} ticks</p>
    ${liveComponent(Cart, { id: "cart" })}`,
});

const Done = defineLive<{}>({
  mount() {},
  render: (_a, { flash }) => html`<h1>Thank you</h1><p class="flash">${flash.info ?? ""}</p>`,
});

const Login = defineLive<{}>({
  mount() {},
  render: (_a, { flash }) => html`<h1>Log in</h1><p class="flash">${flash.error ?? ""}</p>`,
});

const Account = defineLive<{}>({
  mount(_context, socket) {
    socket.putFlash("error", "Log in first");
    socket.redirect("/login");
  },
  render: () => html`<h1>Account</h1>`,
});

/** A view with no route, mounted with liveIsolated(). */
const Greeting = defineLive<{ name: string }>({
  mount: ({ session }, socket) => socket.assign({ name: String(session.name ?? "stranger") }),
  render: ({ name }) => html`<p>Hello, ${name}</p>`,
});

const Room = defineChannel<{ name: string }>({
  topic: "room:*",
  join(topic, payload, socket) {
    if (payload.token !== "let-me-in") return reply.error({ reason: "unauthorized" });
    socket.assigns.name = String(payload.name ?? "anonymous");
    return reply.ok({ joined: topic });
  },
  handleIn(event, payload, socket) {
    if (event === "ping") return reply.ok({ pong: payload.n });
    if (event === "whisper") return void socket.push("whisper", { text: payload.text });
    if (event === "shout") return void socket.broadcast("shout", { from: socket.assigns.name, text: payload.text });
    return reply.error({ reason: `no such event: ${event}` });
  },
});

/** One app per test, as a test suite would build its own. */
async function shopApp(): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(switchboard, {
    liveRoutes: { "/": Shop, "/done": Done, "/login": Login, "/account": Account },
    channels: [Room],
    connect: (params) => (params.user === "mallory" ? false : { id: params.user }),
  });
  return app;
}

let app: FastifyInstance;
beforeEach(async () => {
  app = await shopApp();
});
afterEach(async () => {
  vi.useRealTimers();
  await app.close();
});

// ---- Live views ---------------------------------------------------------------------------------

describe("live views", () => {
  test("live() renders the page over HTTP, then joins it; render() is the view's HTML now", async () => {
    const view = await live(app, "/");
    expect(view.deadHTML).toContain("Count: 0");
    expect(view.render()).toContain(`<p id="count">Count: 0</p>`);
  });

  test("element() and hasElement() take CSS selectors and an optional text filter", async () => {
    const view = await live(app, "/");
    expect(view.hasElement("li.shoe", "Boot")).toBe(true);
    expect(view.hasElement("li.shoe:not(.sold-out)", "Boot")).toBe(false);
    expect(view.element("li.shoe", /\d+ left/).render()).toBe(`<li class="shoe">Air <b>3 left</b></li>`);
    expect(view.element("#count").textContent()).toBe("Count: 0");
  });

  test("click() sends the element's phx-click with its phx-value-* values, and any you add", async () => {
    const view = await live(app, "/");
    expect(await view.element("#inc").click()).toContain("Count: 1");
    expect(await view.element("#inc").click({ by: "10" })).toContain("Count: 11");
  });

  test("form().change() sends phx-change with the form's fields and _target; submit() sends phx-submit", async () => {
    const view = await live(app, "/");
    const form = view.form("#signup", { email: "ada" });
    expect(form.encode({}, true)).toBe("email=ada&size=43&_target=email");
    expect(await form.change()).toContain(`<p class="error">must contain @</p>`);
    await view.form("#signup", { email: "ada@example.com" }).change();
    expect(view.hasElement(".error")).toBe(false);
    await view.form("#signup", { email: "ada@example.com", news: true }).submit();
    expect(view.element("#saved").textContent()).toBe("ada@example.com wants 43 with news");
  });

  test("a value for a field the form does not have is refused: SB_ERR_TEST_FORM_FIELD", async () => {
    const view = await live(app, "/");
    await expect(view.form("#signup", { password: "secret" }).submit()).rejects.toMatchObject({ code: "SB_ERR_TEST_FORM_FIELD" });
  });

  test("keydown()/keyup() honour phx-key; blur() and focus() send phx-blur and phx-focus", async () => {
    const view = await live(app, "/");
    const search = view.element("#search");
    await search.keydown("a"); // filtered out by phx-key="Enter", as in the browser
    await search.keydown("Enter");
    await search.focus();
    expect(view.element("#keys").textContent()).toBe("[Enter] in");
    await search.blur();
    expect(view.element("#keys").textContent()).toBe("[Enter] out");
  });

  test("hook() sends a hook's pushEvent from its phx-hook element and resolves with the reply", async () => {
    const view = await live(app, "/");
    expect(await view.hook("#chart", "point", { x: 21 })).toEqual({ y: 42 });
  });

  test("settle() returns once the view has handled a PubSub broadcast", async () => {
    const view = await live(app, "/");
    app.switchboard.pubsub.broadcast("stock", "restock", 5);
    expect(await view.settle()).toContain("8 left");
  });

  test("settle() after a sendInfo timer fired, with vitest's fake timers: no sleeping", async () => {
    const view = await live(app, "/");
    vi.useFakeTimers();
    await view.pushEvent("click", "later", {});
    await vi.advanceTimersByTimeAsync(1000);
    expect(await view.settle()).toContain("1 ticks");
  });

  test("assertPatch: the view patched its URL", async () => {
    const view = await live(app, "/");
    await view.pushEvent("click", "next", {});
    assertPatch(view, "/?page=2");
    expect(view.render()).toContain("Shop, page 2");
    // The other way round: the URL changes in the browser (a patch link, back/forward).
    expect(await view.patch("/?page=5")).toContain("Shop, page 5");
  });

  test("assertRedirect and followRedirect: the next view shows the flash", async () => {
    const view = await live(app, "/");
    await view.pushEvent("click", "checkout", {});
    expect(assertRedirect(view, "/done")).toMatchObject({ kind: "navigate", flash: expect.any(String) });
    await view.pushEvent("click", "checkout", {});
    const done = await followRedirect(view);
    expect(done.render()).toContain(`<p class="flash">Order placed</p>`);
  });

  test("a page that redirects at once: live() rejects with LiveRedirect, which followRedirect follows", async () => {
    const redirect = (await live(app, "/account").catch((error) => error)) as LiveRedirect;
    expect(redirect).toBeInstanceOf(LiveRedirect);
    expect(redirect.navigation).toMatchObject({ kind: "redirect", to: "/login" });
    const login = await followRedirect(redirect);
    expect(login.render()).toContain("Log in first");
  });

  test("assertPushEvent: the view pushed an event to the client's hooks", async () => {
    const view = await live(app, "/");
    await view.pushEvent("click", "highlight", {});
    assertPushEvent(view, "highlight", { id: 7 });
  });

  test("title and flash are readable", async () => {
    const view = await live(app, "/");
    expect(view.title).toBe("Shop");
    await view.element("#inc").click();
    await view.pushEvent("click", "rename", {});
    expect(view.title).toBe("Shop (1)");
    await view.pushEvent("click", "checkout", {});
    expect(view.flash).toEqual({ info: "Order placed" });
  });

  test("phx-target sends the event to the stateful component, as in the browser", async () => {
    const view = await live(app, "/");
    await view.element("#cart button").click();
    expect(view.element("#cart").textContent()).toBe("Add 1 in cart");
    expect(view.element("#count").textContent()).toBe("Count: 0");
  });

  test("liveIsolated() mounts a view that has no route, with a session", async () => {
    const view = await liveIsolated(app, Greeting, { session: { name: "Ada" } });
    expect(view.render()).toBe("<p>Hello, Ada</p>");
  });

  test("a crash fails the test with the server's error and stack, not a time-out", async () => {
    const view = await live(app, "/");
    await expect(view.element("#boom").click()).rejects.toMatchObject({
      code: "SB_ERR_TEST_VIEW_CRASHED",
      message: expect.stringContaining("the till is empty"),
      stack: expect.stringContaining("examples.test.ts"), // the server's stack, down to the handler's line
      cause: expect.any(Error), // the error the handler threw
    });
  });
});

// ---- Channels -----------------------------------------------------------------------------------

describe("channels", () => {
  test("connect() and join(): the join's reply", async () => {
    const socket = await connect(app, { user: "ada" });
    const { reply } = await socket.join("room:lobby", { token: "let-me-in", name: "Ada" });
    expect(reply).toEqual({ joined: "room:lobby" });
  });

  test("push() with assertReply: ok and error replies, matched partially", async () => {
    const socket = await connect(app, { user: "ada" });
    const { channel } = await socket.join("room:lobby", { token: "let-me-in" });
    await channel.push("ping", { n: 1 }).assertReply("ok", { pong: 1 });
    await channel.push("dance").assertReply("error", { reason: "no such event: dance" });
  });

  test("assertPush and refutePush: what the channel pushed to this client", async () => {
    const socket = await connect(app, { user: "ada" });
    const { channel } = await socket.join("room:lobby", { token: "let-me-in" });
    channel.push("whisper", { text: "psst" });
    expect(await channel.assertPush("whisper")).toEqual({ text: "psst" });
    await channel.refutePush("whisper");
  });

  test("assertBroadcast: a broadcast on the topic, from anyone", async () => {
    const socket = await connect(app, { user: "ada" });
    const { channel } = await socket.join("room:lobby", { token: "let-me-in", name: "Ada" });
    channel.push("shout", { text: "hi all" });
    await channel.assertBroadcast("shout", { from: "Ada", text: "hi all" });
    await channel.assertPush("shout", { text: "hi all" }); // subscribers get it as a push
  });

  test("a refused join: tryJoin() resolves with the error, join() rejects with SB_ERR_TEST_REFUSED", async () => {
    const socket = await connect(app, { user: "ada" });
    expect(await socket.tryJoin("room:lobby", { token: "wrong" })).toMatchObject({ status: "error", reply: { reason: "unauthorized" } });
    await expect(socket.join("room:lobby", {})).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED", response: { reason: "unauthorized" } });
    await expect(connect(app, { user: "mallory" })).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED" }); // the connect hook says no
  });
});
