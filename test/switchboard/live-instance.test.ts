// One view instance (live-instance.ts) over a real websocket: assigns and change tracking, the
// title, pushed events and flash it carries into diffs and navigation, its timers and its async
// work.

import { afterEach, describe, expect, test, vi } from "vitest";
import { html } from "../../src/switchboard/index.ts";
import { defineLive, type EventValue } from "../../src/switchboard/live-view.ts";
import type { Message } from "../../src/switchboard/pubsub.ts";
import { deferred, fire, framesOf, Harness, until } from "../support/live-harness.ts";

let h: Harness;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
});

describe("assigns and change tracking", () => {
  let renders = 0;
  const Pair = defineLive<{ a: string; b: string; list: string[] }, { same: EventValue; setB: EventValue; touch: EventValue }>({
    mount: (_c, socket) => socket.assign({ a: "x", b: "y", list: ["p", "q"] }),
    handleEvent: {
      same(_v, socket) {
        socket.assign({ a: socket.assigns.a, b: "y" });
        socket.update("list", (list) => list);
      },
      setB: ({ to }, socket) => socket.assign({ b: String(to) }),
      touch: (_v, socket) => socket.update("list", (list) => [...list]),
    },
    render: ({ a, b, list }) => (renders++, html`<p>${a}</p><p>${b}</p><ul>${list.map((x) => html`<li key=${x}>${x}</li>`)}</ul>`),
  });

  test("an event that assigns identical values does not re-render and replies with no diff", async () => {
    h = await new Harness().start({ liveRoutes: { "/": Pair } });
    const { view } = await h.open("/");
    const before = renders;
    const reply = await view.event("same");
    expect(reply[4]).toEqual({ status: "ok", response: {} });
    expect(renders).toBe(before);
    await view.event("setB", { to: "y2" });
    expect(renders).toBe(before + 1);
    await view.event("setB", { to: "y" });
    expect(view.html()).toBe("<p>x</p><p>y</p><ul><li>p</li><li>q</li></ul>");
  });

  test("an event that changes one assign replies with a diff holding only that slot", async () => {
    h = await new Harness().start({ liveRoutes: { "/": Pair } });
    const { view } = await h.open("/");
    const reply = await view.event("setB", { to: "<z>" });
    expect(reply[4]).toEqual({ status: "ok", response: { diff: { 1: "&lt;z&gt;" } } });
    expect(view.html()).toBe("<p>x</p><p>&lt;z&gt;</p><ul><li>p</li><li>q</li></ul>");
  });

  test("a new but equal list re-renders and sends nothing for entries that did not change", async () => {
    h = await new Harness().start({ liveRoutes: { "/": Pair } });
    const { view } = await h.open("/");
    const reply = await view.event("touch");
    expect(reply[4].response.diff?.[0]).toBeUndefined();
    expect(reply[4].response.diff?.[1]).toBeUndefined();
    expect(view.html()).toBe("<p>x</p><p>y</p><ul><li>p</li><li>q</li></ul>");
  });
});

describe("title, pushed events, flash", () => {
  const Page = defineLive<{ n: number }, { rename: EventValue; notify: EventValue; save: EventValue; away: EventValue; off: EventValue }>({
    title: "Start",
    mount: (_c, socket) => socket.assign({ n: 0 }),
    handleEvent: {
      rename: ({ to }, socket) => socket.setTitle(String(to)),
      notify(_v, socket) {
        socket.pushEvent("highlight", { id: 7 });
        socket.pushEvent("scroll", { top: 0 });
      },
      save(_v, socket) {
        socket.putFlash("info", "Saved <ok>");
        socket.pushNavigate("/done");
      },
      away: (_v, socket) => socket.pushNavigate("/done"),
      off: (_v, socket) => socket.pushPatch("https://evil.example/"),
    },
    render: ({ n }, { flash }) => html`<p>${n}</p>${flash.info ? html`<p class="flash">${flash.info}</p>` : null}`,
  });
  const Done = defineLive<{}>({
    mount() {},
    render: (_a, { flash }) => html`<h1>Done</h1><p class="flash">${flash.info ?? "no flash"}</p>`,
  });

  test("setTitle in an event sends the title as `t`, once", async () => {
    h = await new Harness().start({ liveRoutes: { "/": Page } });
    const { view } = await h.open("/");
    expect(view.joinReply![4].response.rendered.t).toBe("Start");
    const reply = await view.event("rename", { to: "Cart (2)" });
    expect(reply[4].response).toEqual({ diff: { t: "Cart (2)" } });
    expect(view.tree.title).toBe("Cart (2)");
    const again = await view.event("rename", { to: "Cart (2)" });
    expect(again[4].response).toEqual({});
    expect(view.html()).toBe("<p>0</p>");
  });

  test("pushEvent sends [[name, payload]] under `e` in order", async () => {
    h = await new Harness().start({ liveRoutes: { "/": Page } });
    const { view } = await h.open("/");
    const reply = await view.event("notify");
    expect(reply[4].response.diff).toEqual({ e: [["highlight", { id: 7 }], ["scroll", { top: 0 }]] });
    expect(view.events).toEqual([["highlight", { id: 7 }], ["scroll", { top: 0 }]]);
    // Events are sent once.
    expect((await view.event("rename", { to: "x" }))[4].response.diff.e).toBeUndefined();
    expect(view.html()).toBe("<p>0</p>");
  });

  test("putFlash then pushNavigate sends a flash token that the next view shows after joining with it", async () => {
    h = await new Harness().start({ liveRoutes: { "/": Page, "/done": Done } });
    const { socket, view } = await h.open("/");
    const navigate = view.nextPush("live_redirect");
    const reply = await view.event("save");
    const push = await navigate;
    expect(push[4]).toEqual({ to: "/done", kind: "push", flash: expect.any(String) });
    // The view itself shows the flash at once.
    expect(reply[4].response.diff[1]).toMatchObject({ 0: "Saved &lt;ok&gt;" });
    expect(reply[4].response.diff[0]).toBeUndefined();
    expect(view.html()).toBe(`<p>0</p><p class="flash">Saved &lt;ok&gt;</p>`);
    const page = await h.load("/done", socket);
    const next = await h.join(socket, page, "/done", { flash: push[4].flash });
    expect(next.joinReply![4].status).toBe("ok");
    expect(next.html()).toBe(`<h1>Done</h1><p class="flash">Saved &lt;ok&gt;</p>`);
  });

  test("navigation without a flash sends no token, and a forged flash token is ignored", async () => {
    h = await new Harness().start({ liveRoutes: { "/": Page, "/done": Done } });
    const { socket, view } = await h.open("/");
    const navigate = view.nextPush("live_redirect");
    await view.event("save");
    const token = (await navigate)[4].flash as string;
    const { view: other } = await h.open("/", socket);
    const otherPush = other.nextPush("live_redirect");
    await other.event("away");
    expect((await otherPush)[4]).toEqual({ to: "/done", kind: "push" });
    const [payload, time, sig] = token.split(".") as [string, string, string];
    const forged = [
      `${payload}.${time}.${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`, // signature altered
      `${Buffer.from(JSON.stringify({ info: "Forged" })).toString("base64url")}.${time}.${sig}`, // payload swapped
      (await h.load("/done", socket)).session, // validly signed, but for another purpose
      "garbage",
    ];
    for (const flash of forged) {
      const page = await h.load("/done", socket);
      const next = await h.join(socket, page, "/done", { flash });
      expect(next.joinReply![4].status).toBe("ok");
      expect(next.html()).toBe(`<h1>Done</h1><p class="flash">no flash</p>`);
    }
  });

  test("a navigation target that does not start with / throws SB_ERR_NAVIGATION and ends only that view", async () => {
    h = await new Harness().start({ liveRoutes: { "/": Page } });
    const { socket, view } = await h.open("/");
    const { view: sibling } = await h.open("/", socket);
    const error = view.nextPush("phx_error");
    fire(view, "off");
    await error;
    expect(h.crashes("SB_ERR_NAVIGATION")).toHaveLength(1);
    expect(framesOf(socket, view.topic, "live_patch")).toEqual([]);
    const reply = await sibling.event("rename", { to: "still here" });
    expect(reply[4].status).toBe("ok");
    expect(sibling.html()).toBe("<p>0</p>");
    expect(view.html()).toBe("<p>0</p>");
  });
});

describe("timers", () => {
  const infos: string[] = [];
  let cancelled: (() => void) | null = null;
  const Clock = defineLive<{ ticks: string }, { later: EventValue; cancelOne: EventValue; long: EventValue }>({
    mount: (_c, socket) => socket.assign({ ticks: "" }),
    handleEvent: {
      later: ({ ms }, socket) => void socket.sendInfo("tick", { n: 1 }, Number(ms)),
      cancelOne(_v, socket) {
        const cancel = socket.sendInfo("cancelled", null, 5);
        socket.sendInfo("kept", null, 30);
        cancel();
        cancelled = cancel;
      },
      long: (_v, socket) => void socket.sendInfo("late", null, 61_111),
    },
    handleInfo(message: Message, socket) {
      infos.push(message.event);
      socket.update("ticks", (t) => `${t}[${message.event}]`);
    },
    render: ({ ticks }) => html`<p>${ticks}</p>`,
  });

  test("sendInfo with a delay arrives in handleInfo after the delay and pushes a diff", async () => {
    infos.length = 0;
    h = await new Harness().start({ liveRoutes: { "/": Clock } });
    const { view } = await h.open("/");
    const pushed = view.nextPush("diff");
    const started = performance.now();
    await view.event("later", { ms: "40" });
    expect(infos).toEqual([]);
    const diff = await pushed;
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    expect(diff[4]).toEqual({ 0: "[tick]" });
    expect(view.html()).toBe("<p>[tick]</p>");
  });

  test("the cancel that sendInfo returns prevents the message", async () => {
    infos.length = 0;
    h = await new Harness().start({ liveRoutes: { "/": Clock } });
    const { view } = await h.open("/");
    const pushed = view.nextPush("diff");
    await view.event("cancelOne");
    await pushed;
    expect(infos).toEqual(["kept"]);
    cancelled?.(); // cancelling twice is harmless
    expect(view.html()).toBe("<p>[kept]</p>");
  });

  test("a view's timers are cleared when it ends: no handleInfo after leave", async () => {
    infos.length = 0;
    const setSpy = vi.spyOn(globalThis, "setTimeout");
    const clearSpy = vi.spyOn(globalThis, "clearTimeout");
    h = await new Harness().start({ liveRoutes: { "/": Clock } });
    const { socket, view } = await h.open("/");
    await view.event("later", { ms: "7777" });
    await view.event("long");
    const timers = setSpy.mock.calls.flatMap((call, i) => (call[1] === 7777 || call[1] === 61_111 ? [setSpy.mock.results[i]!.value] : []));
    expect(timers).toHaveLength(2);
    await socket.push(view.topic, "phx_leave", {}, view.joinRef);
    for (const timer of timers) expect(clearSpy).toHaveBeenCalledWith(timer);
    // The socket's other views keep their timers.
    const { view: other } = await h.open("/", socket);
    const pushed = other.nextPush("diff");
    await other.event("later", { ms: "10" });
    await pushed;
    expect(infos).toEqual(["tick"]);
    expect(framesOf(socket, view.topic, "diff")).toEqual([]);
    expect(other.html()).toBe("<p>[tick]</p>");
    expect(view.html()).toBe("<p></p>");
  });
});

describe("timers set after the view ended", () => {
  let gate = deferred<void>();
  const resumed: string[] = [];
  const Lingering = defineLive<{ n: number }, { wait: EventValue }>({
    mount: (_c, socket) => socket.assign({ n: 0 }),
    handleEvent: {
      async wait(_v, socket) {
        resumed.push("waiting");
        await gate.promise;
        socket.sendInfo("late", null, 45_000);
        resumed.push("resumed");
      },
    },
    handleInfo: (_m, socket) => socket.update("n", (n) => n + 1),
    render: ({ n }) => html`<p>${n}</p>`,
  });

  test("an async handler that resumes after its socket closed starts no timer", async () => {
    gate = deferred<void>();
    resumed.length = 0;
    const setSpy = vi.spyOn(globalThis, "setTimeout");
    const clearSpy = vi.spyOn(globalThis, "clearTimeout");
    h = await new Harness().start({ liveRoutes: { "/": Lingering } });
    const { socket, view } = await h.open("/");
    fire(view, "wait");
    await until(() => expect(resumed).toEqual(["waiting"]));
    socket.close();
    await socket.closed;
    await until(() => expect(h.app.switchboard.connections.size).toBe(0));
    gate.resolve();
    await until(() => expect(resumed).toEqual(["waiting", "resumed"]));
    const late = setSpy.mock.calls.flatMap((call, i) => (call[1] === 45_000 ? [setSpy.mock.results[i]!.value] : []));
    for (const timer of late) expect(clearSpy).toHaveBeenCalledWith(timer);
    expect(view.html()).toBe("<p>0</p>");
  });
});

describe("startAsync", () => {
  let gate = deferred<string>();
  const Loader = defineLive<{ status: string; pings: number }, { load: EventValue; ping: EventValue }>({
    mount: (_c, socket) => socket.assign({ status: "idle", pings: 0 }),
    handleEvent: {
      load(_v, socket) {
        socket.assign({ status: "loading" });
        socket.startAsync(
          () => gate.promise,
          (outcome, s) => s.assign({ status: outcome.ok ? `loaded ${outcome.value}` : `failed ${(outcome.error as Error).message}` }),
        );
      },
      ping: (_v, socket) => socket.update("pings", (n) => n + 1),
    },
    render: ({ status, pings }) => html`<p>${status}</p><p>${pings}</p>`,
  });

  test("a slow task does not block the view's events, and its result is assigned and pushed when done", async () => {
    gate = deferred<string>();
    h = await new Harness().start({ liveRoutes: { "/": Loader } });
    const { view } = await h.open("/");
    expect((await view.event("load"))[4].response.diff).toEqual({ 0: "loading" });
    expect((await view.event("ping"))[4].response.diff).toEqual({ 1: "1" });
    expect((await view.event("ping"))[4].response.diff).toEqual({ 1: "2" });
    expect(view.html()).toBe("<p>loading</p><p>2</p>");
    const pushed = view.nextPush("diff");
    gate.resolve("42 shoes");
    expect((await pushed)[4]).toEqual({ 0: "loaded 42 shoes" });
    expect(view.html()).toBe("<p>loaded 42 shoes</p><p>2</p>");
  });

  test("a failing task reports {ok: false, error} and the view keeps working", async () => {
    gate = deferred<string>();
    h = await new Harness().start({ liveRoutes: { "/": Loader } });
    const { view } = await h.open("/");
    await view.event("load");
    const pushed = view.nextPush("diff");
    gate.reject(new Error("database down"));
    expect((await pushed)[4]).toEqual({ 0: "failed database down" });
    expect((await view.event("ping"))[4].status).toBe("ok");
    expect(h.crashes()).toEqual([]);
    expect(view.html()).toBe("<p>failed database down</p><p>1</p>");
  });
});
