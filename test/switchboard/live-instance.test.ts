// One view instance (live-instance.ts), driven in-process through the harness: assigns and change
// tracking, the title, pushed events and flash it carries into diffs and navigation, its timers
// and its async work.

import { afterEach, describe, expect, test, vi } from "vitest";
import { html, toHTML } from "../../src/switchboard/index.ts";
import { defineLive, type EventValue } from "../../src/switchboard/live-view.ts";
import type { Message } from "../../src/switchboard/pubsub.ts";
import { followRedirect, live } from "../../src/testing/index.ts";
import { createApp, joinReply, payloads, send, until, type TestApp } from "../support/app.ts";
import { deferred } from "../support/live-harness.ts";

let t: TestApp;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
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
    t = await createApp({ liveRoutes: { "/": Pair } });
    const view = await live(t.app, "/");
    const before = renders;
    expect(await send(view, "same")).toEqual({ status: "ok", response: {} });
    expect(renders).toBe(before);
    await send(view, "setB", { to: "y2" });
    expect(renders).toBe(before + 1);
    await send(view, "setB", { to: "y" });
    expect(view.render()).toBe("<p>x</p><p>y</p><ul><li>p</li><li>q</li></ul>");
  });

  test("an event that changes one assign replies with a diff holding only that slot", async () => {
    t = await createApp({ liveRoutes: { "/": Pair } });
    const view = await live(t.app, "/");
    expect(await send(view, "setB", { to: "<z>" })).toEqual({ status: "ok", response: { diff: { 1: "&lt;z&gt;" } } });
    expect(view.render()).toBe("<p>x</p><p>&lt;z&gt;</p><ul><li>p</li><li>q</li></ul>");
  });

  test("a new but equal list re-renders and sends nothing for entries that did not change", async () => {
    t = await createApp({ liveRoutes: { "/": Pair } });
    const view = await live(t.app, "/");
    const reply = await send(view, "touch");
    expect(reply.response.diff?.[0]).toBeUndefined();
    expect(reply.response.diff?.[1]).toBeUndefined();
    expect(view.render()).toBe("<p>x</p><p>y</p><ul><li>p</li><li>q</li></ul>");
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
    t = await createApp({ liveRoutes: { "/": Page } });
    const view = await live(t.app, "/");
    expect(joinReply(view).response.rendered.t).toBe("Start");
    expect((await send(view, "rename", { to: "Cart (2)" })).response).toEqual({ diff: { t: "Cart (2)" } });
    expect(view.title).toBe("Cart (2)");
    expect((await send(view, "rename", { to: "Cart (2)" })).response).toEqual({});
    expect(view.render()).toBe("<p>0</p>");
  });

  test("pushEvent sends [[name, payload]] under `e` in order", async () => {
    t = await createApp({ liveRoutes: { "/": Page } });
    const view = await live(t.app, "/");
    expect((await send(view, "notify")).response.diff).toEqual({ e: [["highlight", { id: 7 }], ["scroll", { top: 0 }]] });
    expect(view.pushedEvents).toEqual([["highlight", { id: 7 }], ["scroll", { top: 0 }]]);
    // Events are sent once.
    expect((await send(view, "rename", { to: "x" })).response.diff.e).toBeUndefined();
    expect(view.render()).toBe("<p>0</p>");
  });

  test("putFlash then pushNavigate sends a flash token that the next view shows after joining with it", async () => {
    t = await createApp({ liveRoutes: { "/": Page, "/done": Done } });
    const view = await live(t.app, "/");
    const reply = await send(view, "save");
    expect(payloads(view, "live_redirect")).toEqual([{ to: "/done", kind: "push", flash: expect.any(String) }]);
    // The view itself shows the flash at once.
    expect(reply.response.diff[1]).toMatchObject({ 0: "Saved &lt;ok&gt;" });
    expect(reply.response.diff[0]).toBeUndefined();
    expect(view.render()).toBe(`<p>0</p><p class="flash">Saved &lt;ok&gt;</p>`);
    // Followed as the client does: the next view joins over the same connection with the token.
    const next = await followRedirect(view);
    expect(next.socket).toBe(view.socket);
    expect(joinReply(next).status).toBe("ok");
    expect(next.render()).toBe(`<h1>Done</h1><p class="flash">Saved &lt;ok&gt;</p>`);
  });

  test("navigation without a flash sends no token, and a forged flash token is ignored", async () => {
    t = await createApp({ liveRoutes: { "/": Page, "/done": Done } });
    const view = await live(t.app, "/");
    await send(view, "save");
    const token = payloads(view, "live_redirect")[0].flash as string;
    const other = await live(t.app, "/", { socket: view.socket });
    await send(other, "away");
    expect(payloads(other, "live_redirect")).toEqual([{ to: "/done", kind: "push" }]);
    const [payload, time, sig] = token.split(".") as [string, string, string];
    const page = await t.app.inject({ method: "GET", url: "/done", cookies: view.cookies });
    const forged = [
      `${payload}.${time}.${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`, // signature altered
      `${Buffer.from(JSON.stringify({ info: "Forged" })).toString("base64url")}.${time}.${sig}`, // payload swapped
      /data-phx-session="([^"]+)"/.exec(page.body)![1]!, // validly signed, but for another purpose
      "garbage",
    ];
    let current = other;
    for (const flash of forged) {
      current = await current.navigate("/done", { flash });
      expect(joinReply(current).status).toBe("ok");
      expect(current.render()).toBe(`<h1>Done</h1><p class="flash">no flash</p>`);
    }
  });

  test("a navigation target that does not start with / throws SB_ERR_NAVIGATION and ends only that view", async () => {
    t = await createApp({ liveRoutes: { "/": Page } });
    const view = await live(t.app, "/");
    const sibling = await live(t.app, "/", { socket: view.socket });
    await expect(send(view, "off")).rejects.toMatchObject({ code: "SB_ERR_TEST_VIEW_CRASHED", cause: { code: "SB_ERR_NAVIGATION" } });
    expect(payloads(view, "phx_error")).toEqual([{}]);
    expect(t.crashes("SB_ERR_NAVIGATION")).toHaveLength(1);
    expect(payloads(view, "live_patch")).toEqual([]);
    expect((await send(sibling, "rename", { to: "still here" })).status).toBe("ok");
    expect(sibling.render()).toBe("<p>0</p>");
    // The crashed view's tree is as it was; reading it reports the crash.
    expect(toHTML(view.tree)).toBe("<p>0</p>");
    expect(() => view.render()).toThrow(expect.objectContaining({ code: "SB_ERR_TEST_VIEW_CRASHED" }));
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
    t = await createApp({ liveRoutes: { "/": Clock } });
    const view = await live(t.app, "/");
    const started = performance.now();
    await send(view, "later", { ms: "40" });
    expect(infos).toEqual([]);
    await until(() => expect(payloads(view, "diff")).toHaveLength(1));
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    expect(payloads(view, "diff")).toEqual([{ 0: "[tick]" }]);
    expect(view.render()).toBe("<p>[tick]</p>");
  });

  test("the cancel that sendInfo returns prevents the message", async () => {
    infos.length = 0;
    t = await createApp({ liveRoutes: { "/": Clock } });
    const view = await live(t.app, "/");
    await send(view, "cancelOne");
    await until(() => expect(payloads(view, "diff")).toHaveLength(1));
    expect(infos).toEqual(["kept"]);
    cancelled?.(); // cancelling twice is harmless
    expect(view.render()).toBe("<p>[kept]</p>");
  });

  test("a view's timers are cleared when it ends: no handleInfo after leave", async () => {
    infos.length = 0;
    const setSpy = vi.spyOn(globalThis, "setTimeout");
    const clearSpy = vi.spyOn(globalThis, "clearTimeout");
    t = await createApp({ liveRoutes: { "/": Clock } });
    const view = await live(t.app, "/");
    await send(view, "later", { ms: "7777" });
    await send(view, "long");
    const timers = setSpy.mock.calls.flatMap((call, i) => (call[1] === 7777 || call[1] === 61_111 ? [setSpy.mock.results[i]!.value] : []));
    expect(timers).toHaveLength(2);
    await view.leave();
    for (const timer of timers) expect(clearSpy).toHaveBeenCalledWith(timer);
    // The connection's other views keep their timers.
    const other = await live(t.app, "/", { socket: view.socket });
    await send(other, "later", { ms: "10" });
    await until(() => expect(payloads(other, "diff")).toHaveLength(1));
    expect(infos).toEqual(["tick"]);
    expect(payloads(view, "diff")).toEqual([]);
    expect(other.render()).toBe("<p>[tick]</p>");
    expect(view.render()).toBe("<p></p>");
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
    t = await createApp({ liveRoutes: { "/": Lingering } });
    const view = await live(t.app, "/");
    const pending = send(view, "wait");
    await until(() => expect(resumed).toEqual(["waiting"]));
    view.close();
    expect(t.app.switchboard.connections.size).toBe(0);
    // The event is never answered: the connection closed under it.
    expect(await pending).toMatchObject({ status: "error" });
    gate.resolve();
    await until(() => expect(resumed).toEqual(["waiting", "resumed"]));
    const late = setSpy.mock.calls.flatMap((call, i) => (call[1] === 45_000 ? [setSpy.mock.results[i]!.value] : []));
    for (const timer of late) expect(clearSpy).toHaveBeenCalledWith(timer);
    expect(view.render()).toBe("<p>0</p>");
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
    t = await createApp({ liveRoutes: { "/": Loader } });
    const view = await live(t.app, "/");
    expect((await send(view, "load")).response.diff).toEqual({ 0: "loading" });
    expect((await send(view, "ping")).response.diff).toEqual({ 1: "1" });
    expect((await send(view, "ping")).response.diff).toEqual({ 1: "2" });
    expect(view.render()).toBe("<p>loading</p><p>2</p>");
    gate.resolve("42 shoes");
    // settle() waits for the task, then for the diff its result pushes.
    await view.settle();
    expect(payloads(view, "diff")).toEqual([{ 0: "loaded 42 shoes" }]);
    expect(view.render()).toBe("<p>loaded 42 shoes</p><p>2</p>");
  });

  test("a failing task reports {ok: false, error} and the view keeps working", async () => {
    gate = deferred<string>();
    t = await createApp({ liveRoutes: { "/": Loader } });
    const view = await live(t.app, "/");
    await send(view, "load");
    gate.reject(new Error("database down"));
    await view.settle();
    expect(payloads(view, "diff")).toEqual([{ 0: "failed database down" }]);
    expect((await send(view, "ping")).status).toBe("ok");
    expect(t.crashes()).toEqual([]);
    expect(view.render()).toBe("<p>failed database down</p><p>1</p>");
  });
});
