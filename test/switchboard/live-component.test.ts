// Stateful live components (live-component.ts) inside a joined view, driven in-process through the
// harness: their own assigns and targeted events, the diff's `c` table, updates from the parent's
// render and from sendUpdate, removal, lists of components and nesting.

import { afterEach, describe, expect, test } from "vitest";
import { html } from "../../src/switchboard/index.ts";
import { defineComponent, liveComponent } from "../../src/switchboard/live-component.ts";
import { defineLive, type EventValue } from "../../src/switchboard/live-view.ts";
import type { Message } from "../../src/switchboard/pubsub.ts";
import { live } from "../../src/testing/index.ts";
import { createApp, joinReply, payloads, send, type TestApp } from "../support/app.ts";

let t: TestApp;
afterEach(() => t?.close());

const mounts: string[] = [];
let likesRenders = 0;

const Likes = defineComponent<{ id: string; label: string; count?: number }, { id: string; label: string; count: number }, { inc: EventValue; share: EventValue; ping: EventValue }>({
  mount(socket) {
    mounts.push(`likes ${socket.cid}`);
    socket.assign({ count: 0 });
  },
  handleEvent: {
    inc: (_v, socket) => socket.update("count", (c) => c + 1),
    share: (_v, socket) => socket.sendParent("shared", socket.assigns.count),
    ping(_v, socket) {
      socket.pushEvent("pong", { cid: socket.cid });
      return { reply: { from: socket.cid } };
    },
  },
  render: ({ label, count }, { myself }) => (likesRenders++, html`<button phx-click="inc" phx-target=${myself}>${label}: ${count}</button>`),
});

const Shop = defineLive<{ title: string; label: string; show: boolean; shared: string }, { retitle: EventValue; relabel: EventValue; toggle: EventValue }>({
  mount(_c, socket) {
    socket.assign({ title: "Shop", label: "Likes", show: true, shared: "" });
    if (socket.connected) socket.subscribe("shop");
  },
  handleEvent: {
    retitle: ({ to }, socket) => socket.assign({ title: String(to) }),
    relabel: ({ to }, socket) => socket.assign({ label: String(to) }),
    toggle: (_v, socket) => socket.update("show", (show) => !show),
  },
  handleInfo(message: Message, socket) {
    if (message.event === "bump") socket.sendUpdate(Likes, "likes", { count: message.payload as number });
    if (message.event === "shared") socket.assign({ shared: `shared ${message.payload}` });
  },
  render: ({ title, label, show, shared }) => html`<main><h1>${title}</h1>${show ? liveComponent(Likes, { id: "likes", label }) : null}<p>${shared}</p></main>`,
});

describe("a stateful component", () => {
  test("renders into the diff's `c` table, the parent's slot holding its id", async () => {
    mounts.length = 0;
    t = await createApp({ liveRoutes: { "/": Shop } });
    const view = await live(t.app, "/");
    // The HTTP render mounted one too, and inlined its HTML.
    expect(view.deadHTML).toBe(`<main><h1>Shop</h1><button phx-click="inc" phx-target="1">Likes: 0</button><p></p></main>`);
    const rendered = joinReply(view).response.rendered;
    expect(rendered[1]).toBe(1);
    expect(Object.keys(rendered.c)).toEqual(["1"]);
    expect(rendered.c[1]).toMatchObject({ 0: ` phx-target="1"`, 1: "Likes", 2: "0" });
    expect(mounts).toEqual(["likes 1", "likes 1"]);
    expect(view.render()).toBe(`<main><h1>Shop</h1><button phx-click="inc" phx-target="1">Likes: 0</button><p></p></main>`);
  });

  test("handles the events targeted at its id with its own assigns, and the diff holds only the component", async () => {
    t = await createApp({ liveRoutes: { "/": Shop } });
    const view = await live(t.app, "/");
    const reply = await send(view, "inc", {}, 1);
    expect(reply).toEqual({ status: "ok", response: { diff: { c: { 1: { 2: "1" } } } } });
    // The parent has no such handler: an untargeted "inc" is unknown.
    expect((await send(view, "inc")).response.code).toBe("SB_ERR_UNKNOWN_EVENT");
    // A component's own replies and pushed events.
    const ping = await send(view, "ping", {}, 1);
    expect(ping.response).toEqual({ diff: { e: [["pong", { cid: 1 }]] }, reply: { from: 1 } });
    expect(view.render()).toBe(`<main><h1>Shop</h1><button phx-click="inc" phx-target="1">Likes: 1</button><p></p></main>`);
    // A click on the button goes where its phx-target says, as in the browser.
    expect(await view.element("button").click()).toBe(`<main><h1>Shop</h1><button phx-click="inc" phx-target="1">Likes: 2</button><p></p></main>`);
  });

  test("the parent re-rendering with the same props sends nothing for it; new props update it and keep its state", async () => {
    t = await createApp({ liveRoutes: { "/": Shop } });
    const view = await live(t.app, "/");
    await send(view, "inc", {}, 1);
    const before = likesRenders;
    const retitle = await send(view, "retitle", { to: "Boots" });
    expect(retitle.response.diff).toEqual({ 0: "Boots" });
    expect(likesRenders).toBe(before);
    const relabel = await send(view, "relabel", { to: "Hearts" });
    expect(relabel.response.diff).toEqual({ c: { 1: { 1: "Hearts" } } });
    expect(view.render()).toBe(`<main><h1>Boots</h1><button phx-click="inc" phx-target="1">Hearts: 1</button><p></p></main>`);
  });

  test("sendUpdate from the parent's handleInfo updates only the component", async () => {
    t = await createApp({ liveRoutes: { "/": Shop } });
    const view = await live(t.app, "/");
    t.app.switchboard.pubsub.broadcast("shop", "bump", 10);
    await view.settle();
    expect(payloads(view, "diff")).toEqual([{ c: { 1: { 2: "10" } } }]);
    expect((await send(view, "inc", {}, 1)).response.diff).toEqual({ c: { 1: { 2: "11" } } });
    expect(view.render()).toBe(`<main><h1>Shop</h1><button phx-click="inc" phx-target="1">Likes: 11</button><p></p></main>`);
  });

  test("sendParent reaches the parent's handleInfo, which pushes its diff", async () => {
    t = await createApp({ liveRoutes: { "/": Shop } });
    const view = await live(t.app, "/");
    await send(view, "inc", {}, 1);
    expect((await send(view, "share", {}, 1)).response).toEqual({});
    await view.settle();
    expect(payloads(view, "diff")).toEqual([{ 2: "shared 1" }]);
    expect(view.render()).toBe(`<main><h1>Shop</h1><button phx-click="inc" phx-target="1">Likes: 1</button><p>shared 1</p></main>`);
  });

  test("a component the parent no longer renders gets no more events (SB_ERR_UNKNOWN_COMPONENT); placed again it mounts afresh", async () => {
    mounts.length = 0;
    t = await createApp({ liveRoutes: { "/": Shop } });
    const view = await live(t.app, "/");
    await send(view, "inc", {}, 1);
    // The removal travels in `cr`, and the client's tree drops the component.
    expect((await send(view, "toggle")).response.diff).toEqual({ 1: "", cr: [1] });
    expect(view.tree.components[1]).toBeUndefined();
    expect(view.render()).toBe(`<main><h1>Shop</h1><p></p></main>`);
    const gone = await send(view, "inc", {}, 1);
    expect(gone).toEqual({ status: "error", response: { reason: expect.any(String), code: "SB_ERR_UNKNOWN_COMPONENT" } });
    // sendUpdate to a component that is gone does nothing.
    t.app.switchboard.pubsub.broadcast("shop", "bump", 5);
    const back = await send(view, "toggle");
    expect(back.response.diff[1]).toBe(2);
    expect(back.response.diff.c[2]).toMatchObject({ 2: "0" });
    expect(mounts.slice(2)).toEqual(["likes 2"]);
    expect(view.render()).toBe(`<main><h1>Shop</h1><button phx-click="inc" phx-target="2">Likes: 0</button><p></p></main>`);
  });
});

describe("liveComponent and defineComponent", () => {
  test("liveComponent without an id (or with one that is neither string nor number) throws SB_ERR_COMPONENT_ID", () => {
    expect(() => liveComponent(Likes, { label: "x" } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_COMPONENT_ID" }));
    expect(() => liveComponent(Likes, { id: { a: 1 }, label: "x" } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_COMPONENT_ID" }));
    expect(() => liveComponent(Likes, undefined as never)).toThrow(expect.objectContaining({ code: "SB_ERR_COMPONENT_ID" }));
    expect(() => liveComponent(Likes, { id: 0, label: "x" } as never)).not.toThrow();
    expect(() => liveComponent(Likes, { id: "", label: "x" })).not.toThrow();
  });

  test("defineComponent without render throws SB_ERR_VIEW_DEFINITION", () => {
    expect(() => defineComponent({} as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION" }));
    expect(() => defineComponent({ render: () => html`<p></p>`, update: 1 } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION" }));
  });
});

describe("components in a list", () => {
  interface Item {
    id: number;
    name: string;
  }
  const Row = defineComponent<{ id: number; name: string }, { name: string; upper: string; picked: boolean }, { pick: EventValue }>({
    mount: (socket) => socket.assign({ picked: false }),
    update: ({ name }, socket) => socket.assign({ name, upper: name.toUpperCase() }),
    handleEvent: { pick: (_v, socket) => socket.update("picked", (p) => !p) },
    render: ({ upper, picked }, { myself }) => html`<li phx-click="pick" phx-target=${myself}>${upper}${picked ? " *" : ""}</li>`,
  });
  const List = defineLive<{ items: Item[] }, { rename: EventValue; add: EventValue; remove: EventValue; reverse: EventValue }>({
    mount: (_c, socket) => socket.assign({ items: [{ id: 1, name: "air" }, { id: 2, name: "boot" }, { id: 3, name: "clog" }] }),
    handleEvent: {
      rename: ({ id, to }, socket) => socket.update("items", (items) => items.map((i) => (i.id === Number(id) ? { ...i, name: String(to) } : i))),
      add: ({ id, name }, socket) => socket.update("items", (items) => [...items, { id: Number(id), name: String(name) }]),
      remove: ({ id }, socket) => socket.update("items", (items) => items.filter((i) => i.id !== Number(id))),
      reverse: (_v, socket) => socket.update("items", (items) => [...items].reverse()),
    },
    render: ({ items }) => html`<ul>${items.map((i) => liveComponent(Row, { id: i.id, name: i.name }))}</ul>`,
  });

  test("each entry is its own component: they render, update one at a time, move, appear and go", async () => {
    t = await createApp({ liveRoutes: { "/": List } });
    const view = await live(t.app, "/");
    const li = (cid: number, text: string) => `<li phx-click="pick" phx-target="${cid}">${text}</li>`;
    expect(view.render()).toBe(`<ul>${li(1, "AIR")}${li(2, "BOOT")}${li(3, "CLOG")}</ul>`);

    // Renaming one entry changes only its component.
    expect((await send(view, "rename", { id: "2", to: "brogue" })).response.diff).toEqual({ c: { 2: { 1: "BROGUE" } } });
    // A targeted event reaches that entry alone.
    expect((await send(view, "pick", {}, 3)).response.diff).toEqual({ c: { 3: { 2: " *" } } });
    expect(view.render()).toBe(`<ul>${li(1, "AIR")}${li(2, "BROGUE")}${li(3, "CLOG *")}</ul>`);

    // Moving entries moves their components, state and all.
    const reversed = await send(view, "reverse");
    expect(reversed.response.diff.c).toBeUndefined();
    expect(view.render()).toBe(`<ul>${li(3, "CLOG *")}${li(2, "BROGUE")}${li(1, "AIR")}</ul>`);

    // A new entry mounts a new component; a removed one is gone for events.
    const added = await send(view, "add", { id: "4", name: "derby" });
    expect(Object.keys(added.response.diff.c)).toEqual(["4"]);
    await send(view, "remove", { id: "2" });
    expect((await send(view, "pick", {}, 2)).response.code).toBe("SB_ERR_UNKNOWN_COMPONENT");
    expect((await send(view, "pick", {}, 4)).status).toBe("ok");
    expect(view.render()).toBe(`<ul>${li(3, "CLOG *")}${li(1, "AIR")}${li(4, "DERBY *")}</ul>`);
  });

  test("a list that grows past a few entries keeps finding each entry's component by key (state, moves, removal)", async () => {
    const names = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i, name: `n${from + i}` }));
    const Long = defineLive<{ items: Item[] }, { grow: EventValue; reverse: EventValue; remove: EventValue }>({
      mount: (_c, socket) => socket.assign({ items: names(1, 4) }),
      handleEvent: {
        grow: (_v, socket) => socket.update("items", (items) => [...items, ...names(5, 20)]),
        reverse: (_v, socket) => socket.update("items", (items) => [...items].reverse()),
        remove: ({ id }, socket) => socket.update("items", (items) => items.filter((i) => i.id !== Number(id))),
      },
      render: ({ items }) => html`<ul>${items.map((i) => liveComponent(Row, { id: i.id, name: i.name }))}</ul>`,
    });
    t = await createApp({ liveRoutes: { "/": Long } });
    const view = await live(t.app, "/");
    const li = (cid: number, picked = false) => `<li phx-click="pick" phx-target="${cid}">N${cid}${picked ? " *" : ""}</li>`;
    await send(view, "pick", {}, 2);

    // From 4 entries to 20: the first four keep their components and state, the others mount.
    const grown = await send(view, "grow");
    expect(Object.keys(grown.response.diff.c).map(Number)).toEqual(names(5, 20).map((i) => i.id));
    expect(view.render()).toBe(`<ul>${names(1, 20).map((i) => li(i.id, i.id === 2)).join("")}</ul>`);

    // Moved, each keeps its component; a targeted event reaches the right one.
    expect((await send(view, "reverse")).response.diff.c).toBeUndefined();
    await send(view, "pick", {}, 17);
    expect(view.render()).toBe(`<ul>${names(1, 20).reverse().map((i) => li(i.id, i.id === 2 || i.id === 17)).join("")}</ul>`);

    // A removed entry's component is gone; placing it again mounts a new one.
    await send(view, "remove", { id: "17" });
    expect((await send(view, "pick", {}, 17)).response.code).toBe("SB_ERR_UNKNOWN_COMPONENT");
    expect(view.render()).not.toContain("N17");
  });
});

describe("nested components", () => {
  const Panel = defineComponent<{ id: string; label: string }, { label: string; open: boolean }, { fold: EventValue }>({
    mount: (socket) => socket.assign({ open: true }),
    handleEvent: { fold: (_v, socket) => socket.update("open", (o) => !o) },
    render: ({ label, open }, { myself }) => html`<section phx-target=${myself}>${open ? liveComponent(Likes, { id: "inner", label }) : "folded"}</section>`,
  });
  const Page = defineLive<{ show: boolean }, { toggle: EventValue }>({
    mount: (_c, socket) => socket.assign({ show: true }),
    handleEvent: { toggle: (_v, socket) => socket.update("show", (s) => !s) },
    render: ({ show }) => html`<div>${show ? liveComponent(Panel, { id: "panel", label: "Inner" }) : "none"}</div>`,
  });

  test("a component inside a component has its own id; removing the outer one removes the inner one", async () => {
    t = await createApp({ liveRoutes: { "/": Page } });
    const view = await live(t.app, "/");
    expect(view.render()).toBe(`<div><section phx-target="1"><button phx-click="inc" phx-target="2">Inner: 0</button></section></div>`);
    expect((await send(view, "inc", {}, 2)).response.diff).toEqual({ c: { 2: { 2: "1" } } });
    const folded = await send(view, "fold", {}, 1);
    expect(folded.response.diff).toEqual({ c: { 1: { 1: "folded" } }, cr: [2] });
    expect(view.tree.components[2]).toBeUndefined();
    expect((await send(view, "inc", {}, 2)).response.code).toBe("SB_ERR_UNKNOWN_COMPONENT");
    await send(view, "fold", {}, 1);
    expect(view.render()).toBe(`<div><section phx-target="1"><button phx-click="inc" phx-target="3">Inner: 0</button></section></div>`);
    await send(view, "toggle");
    expect((await send(view, "fold", {}, 1)).response.code).toBe("SB_ERR_UNKNOWN_COMPONENT");
    expect((await send(view, "inc", {}, 3)).response.code).toBe("SB_ERR_UNKNOWN_COMPONENT");
    expect(view.render()).toBe("<div>none</div>");
  });
});
