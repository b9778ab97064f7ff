// TestView (src/testing/test-view.ts): reading a view (render, queries, frames), driving it (events,
// patches, navigation, leave, close), settle(), and how crashes and refusals reach the test.

import { afterEach, describe, expect, test } from "vitest";
import { defineLive, html, type EventValue, type Message } from "../../src/switchboard/index.ts";
import { live } from "../../src/testing/index.ts";
import { createApp, payloads, type TestApp } from "../support/app.ts";

let t: TestApp;
afterEach(() => t?.close());

const Board = defineLive<{ n: number; relay: number; note: string }, Record<string, EventValue>>({
  title: "Board",
  mount(_c, socket) {
    socket.assign({ n: 0, relay: 0, note: "" });
    if (socket.connected) socket.subscribe("board");
  },
  handleParams: (params, _url, socket) => socket.assign({ note: String(params.note ?? "") }),
  handleEvent: {
    inc: (_v, socket) => socket.update("n", (n) => n + 1),
    // A chain of messages the view sends itself: settle() waits for all of them.
    relay: ({ times }, socket) => void socket.sendInfo("relay", Number(times)),
    boom() {
      throw new Error("handler exploded");
    },
    away: (_v, socket) => socket.pushNavigate("/other"),
  },
  handleInfo(message: Message, socket) {
    if (message.event === "relay") {
      socket.update("relay", (n) => n + 1);
      if ((message.payload as number) > 1) socket.sendInfo("relay", (message.payload as number) - 1);
    }
    if (message.event === "poison") throw new Error("poisoned message");
  },
  render: ({ n, relay, note }) => html`
    <p class="n">${n}</p><p class="relay">${relay}</p><p class="note">${note}</p>
    <button class="inc" phx-click="inc">+</button><button class="inc other">more</button>
    <span id="hooked" phx-hook="Thing"></span><span id="plain"></span>
    <form id="nosubmit"><input name="a" /></form>`,
});

const Other = defineLive<{}>({ mount() {}, render: () => html`<p>other</p>` });

async function board() {
  t = await createApp({ liveRoutes: { "/": Board, "/other": Other } });
  return live(t.app, "/");
}

describe("reading", () => {
  test("render() is cached until a diff arrives; doc() is parsed once per change", async () => {
    const view = await board();
    const doc = view.doc();
    expect(view.doc()).toBe(doc);
    expect(view.render()).toBe(view.render());
    await view.element("button.inc", "+").click();
    expect(view.doc()).not.toBe(doc);
    expect(view.element(".n").textContent()).toBe("1");
  });

  test("a selector that matches no element, or several, is SB_ERR_TEST_ELEMENT; invalid CSS is SB_ERR_TEST_SELECTOR", async () => {
    const view = await board();
    expect(() => view.element(".missing").render()).toThrow(expect.objectContaining({ code: "SB_ERR_TEST_ELEMENT", message: expect.stringContaining("found 0") }));
    await expect(view.element("button.inc").click()).rejects.toThrow(expect.objectContaining({ code: "SB_ERR_TEST_ELEMENT", message: expect.stringContaining("found 2") }));
    expect(() => view.hasElement("p[")).toThrow(expect.objectContaining({ code: "SB_ERR_TEST_SELECTOR" }));
    // A text filter narrows the match.
    expect(view.element("button.inc", /^\+$/).attr("phx-click")).toBe("inc");
  });

  test("an element without the binding a browser needs is SB_ERR_TEST_BINDING", async () => {
    const view = await board();
    await expect(view.element("button.other").click()).rejects.toMatchObject({ code: "SB_ERR_TEST_BINDING", message: expect.stringContaining("phx-click") });
    await expect(view.element("#plain").keydown("Enter")).rejects.toMatchObject({ code: "SB_ERR_TEST_BINDING" });
    await expect(view.element("#plain").blur()).rejects.toMatchObject({ code: "SB_ERR_TEST_BINDING" });
    await expect(view.hook("#plain", "x")).rejects.toMatchObject({ code: "SB_ERR_TEST_BINDING", message: expect.stringContaining("phx-hook") });
    await expect(view.form("#nosubmit", { a: "1" }).submit()).rejects.toMatchObject({ code: "SB_ERR_TEST_BINDING", message: expect.stringContaining("phx-submit") });
    expect(payloads(view, "phx_reply")).toHaveLength(1); // only the join: nothing was sent
  });

  test("frames() are what the server sent on the topic, decoded afresh: later merges cannot change them", async () => {
    const view = await board();
    await view.element("button.inc", "+").click();
    const replies = view.frames("phx_reply");
    expect(replies.map((f) => f[4].status)).toEqual(["ok", "ok"]);
    const first = JSON.stringify(view.frames());
    await view.element("button.inc", "+").click();
    expect(JSON.stringify(view.frames().slice(0, 2))).toBe(first);
  });
});

describe("driving", () => {
  test("pushEvent() resolves with the HTML, the handler's reply and the reply as sent; an error reply rejects with the server's code", async () => {
    const view = await board();
    const outcome = await view.pushEvent("click", "inc", {});
    expect(outcome.html).toContain(`<p class="n">1</p>`);
    expect(outcome.reply).toBeUndefined();
    expect(outcome.response).toEqual({ diff: { 0: "1" } });
    await expect(view.pushEvent("click", "nope", {})).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED", response: { code: "SB_ERR_UNKNOWN_EVENT" } });
  });

  test("patch() runs handleParams with the new URL", async () => {
    const view = await board();
    expect(await view.patch("/?note=hi")).toContain(`<p class="note">hi</p>`);
    expect(view.url).toBe("http://localhost/?note=hi");
  });

  test("navigate() leaves the view and joins the next over the same connection", async () => {
    const view = await board();
    const next = await view.navigate("/other");
    expect(next.socket).toBe(view.socket);
    expect(next.render()).toBe("<p>other</p>");
    expect(view.joined).toBe(false);
    expect(t.app.switchboard.connections.values().next().value!.processes.size).toBe(1);
  });

  test("leave() ends the view on the server; its HTML stays readable, and further events are refused", async () => {
    const view = await board();
    await view.element("button.inc", "+").click();
    await view.leave();
    expect(view.element(".n").textContent()).toBe("1");
    await expect(view.pushEvent("click", "inc", {})).rejects.toMatchObject({ response: { code: "SB_ERR_UNMATCHED_TOPIC" } });
  });

  test("close() ends the connection and every view on it; pending events get an error reply", async () => {
    const view = await board();
    const sibling = await live(t.app, "/", { socket: view.socket });
    view.close();
    expect(view.socket.closed).toBe(true);
    expect(t.app.switchboard.connections.size).toBe(0);
    await expect(sibling.pushEvent("click", "inc", {})).rejects.toMatchObject({ code: "SB_ERR_TEST_REFUSED" });
  });
});

describe("settle()", () => {
  test("waits for messages the view sends itself, however long the chain", async () => {
    const view = await board();
    await view.pushEvent("click", "relay", { times: "25" });
    expect(await view.settle()).toContain(`<p class="relay">25</p>`);
    expect(payloads(view, "diff").length).toBeGreaterThan(0);
  });

  test("after a broadcast to many views, each settles on its own", async () => {
    const views = [await board()];
    for (let i = 0; i < 4; i++) views.push(await live(t.app, "/"));
    t.app.switchboard.pubsub.broadcast("board", "relay", 2);
    for (const view of views) expect(await view.settle()).toContain(`<p class="relay">2</p>`);
  });

  test("with nothing pending, resolves at once with the HTML", async () => {
    const view = await board();
    expect(await view.settle()).toBe(view.render());
  });
});

describe("crashes", () => {
  test("a handler that throws rejects the pending event with SB_ERR_TEST_VIEW_CRASHED, the server's stack and cause", async () => {
    const view = await board();
    const error = (await view.pushEvent("click", "boom", {}).catch((e) => e)) as Error;
    expect(error).toMatchObject({ code: "SB_ERR_TEST_VIEW_CRASHED", message: expect.stringContaining("handler exploded") });
    expect(error.stack).toContain("--- server stack ---");
    expect(error.stack).toContain("test-view.test.ts");
    expect((error.cause as Error).message).toBe("handler exploded");
    expect(view.crash).toBe(error);
    // Every later read or event reports the same crash.
    expect(() => view.render()).toThrow(error);
    await expect(view.pushEvent("click", "inc", {})).rejects.toBe(error);
  });

  test("a crash while no event is pending (a poisoned message) surfaces in settle(); other views on the connection go on", async () => {
    const view = await board();
    const sibling = await live(t.app, "/", { socket: view.socket });
    t.app.switchboard.pubsub.broadcast("board", "poison", null);
    await expect(view.settle()).rejects.toMatchObject({ code: "SB_ERR_TEST_VIEW_CRASHED", message: expect.stringContaining("poisoned message") });
    await expect(sibling.settle()).rejects.toMatchObject({ code: "SB_ERR_TEST_VIEW_CRASHED" }); // it was subscribed too
    const fresh = await live(t.app, "/", { socket: view.socket });
    expect(await fresh.element("button.inc", "+").click()).toContain(`<p class="n">1</p>`);
  });

  test("a crash in the connected mount rejects live() with SB_ERR_TEST_VIEW_CRASHED, not a refusal", async () => {
    const Fragile = defineLive<{}>({
      mount(_c, socket) {
        if (socket.connected) throw new Error("mount failed");
      },
      render: () => html`<p>dead render only</p>`,
    });
    t = await createApp({ liveRoutes: { "/": Fragile } });
    await expect(live(t.app, "/")).rejects.toMatchObject({ code: "SB_ERR_TEST_VIEW_CRASHED", cause: { message: "mount failed" } });
  });
});

describe("title and flash", () => {
  test("title is the page title as the client holds it", async () => {
    const view = await board();
    expect(view.title).toBe("Board");
  });

  test("a navigation the view asks for is recorded, oldest first", async () => {
    const view = await board();
    await view.pushEvent("click", "away", {});
    expect(view.navigations).toEqual([{ kind: "navigate", to: "/other", replace: false, flash: undefined }]);
  });
});
