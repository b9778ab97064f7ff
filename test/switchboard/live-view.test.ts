// Live views as developers write them (live-view.ts), driven over a real websocket: the lifecycle
// of the HTTP render and the connected render, the page around the dead render, event values as
// handlers receive them, and replies to client pushes.

import { afterEach, describe, expect, test } from "vitest";
import { html } from "../../src/switchboard/index.ts";
import { defineLive, type EventValue, type Params } from "../../src/switchboard/live-view.ts";
import { Harness } from "../support/live-harness.ts";
import { loadPage } from "../support/socket-client.ts";

let h: Harness;
afterEach(() => h?.close());

describe("lifecycle", () => {
  const calls: string[] = [];
  const Item = defineLive<{ id: string; tab: string; tags: string; connected: boolean }>({
    mount({ params }, socket) {
      calls.push(`mount connected=${socket.connected} id=${params.id}`);
      socket.assign({ id: "", tab: "", tags: "", connected: socket.connected });
      if (socket.connected) socket.subscribe("items");
      else socket.subscribe("items:dead"); // does nothing for the HTTP render
    },
    handleParams(params: Params, url, socket) {
      calls.push(`params connected=${socket.connected} ${JSON.stringify(params)} ${url.pathname}${url.search}`);
      socket.assign({ id: String(params.id), tab: String(params.tab ?? "none"), tags: ([] as string[]).concat(params.tag ?? []).join("+") });
    },
    render: ({ id, tab, tags, connected }) => html`<article data-connected=${String(connected)}><h1>Item ${id}</h1><p>${tab}</p><p>${tags}</p></article>`,
  });

  test("mount runs for the HTTP render (not connected) and again on join (connected), each followed by handleParams with path and query params", async () => {
    calls.length = 0;
    h = await new Harness().start({ liveRoutes: { "/items/:id": Item } });
    const page = await loadPage(h.server, "/items/42?tab=specs&tag=a&tag=b");
    expect(calls).toEqual([
      "mount connected=false id=42",
      `params connected=false {"tab":"specs","tag":["a","b"],"id":"42"} /items/42?tab=specs&tag=a&tag=b`,
    ]);
    const socket = await h.connect(page);
    const view = await h.join(socket, page, "/items/42?tab=specs&tag=a&tag=b");
    expect(calls.slice(2)).toEqual([
      "mount connected=true id=42",
      `params connected=true {"tab":"specs","tag":["a","b"],"id":"42"} /items/42?tab=specs&tag=a&tag=b`,
    ]);
    expect(view.html()).toBe(`<article data-connected="true"><h1>Item 42</h1><p>specs</p><p>a+b</p></article>`);
  });

  test("subscriptions are made only by the connected mount and end with the view", async () => {
    h = await new Harness().start({ liveRoutes: { "/items/:id": Item } });
    const pubsub = () => h.app.switchboard.pubsub;
    const { page, socket, view } = await h.open("/items/1");
    // The HTTP render ran first and subscribed nothing.
    expect(pubsub().subscriberCount("items:dead")).toBe(0);
    expect(pubsub().subscriberCount("items")).toBe(1);
    expect(page.html).not.toContain("data-connected=\"true\"");
    await socket.push(view.topic, "phx_leave", {}, view.joinRef);
    expect(pubsub().subscriberCount()).toBe(0);
    expect(view.html()).toBe(`<article data-connected="true"><h1>Item 1</h1><p>none</p><p></p></article>`);
  });

  test("the dead render puts the view's content in the main container with a session token, inside the layout with its title", async () => {
    const Titled = defineLive<{ n: number }>({
      title: "Sneakers",
      mount: (_c, socket) => socket.assign({ n: 3 }),
      render: ({ n }) => html`<p class="n">${n} pairs &amp; more</p>`,
    });
    const Retitled = defineLive<{ n: number }>({
      title: "Static",
      mount(_c, socket) {
        socket.assign({ n: 1 });
        socket.setTitle(`Cart (${socket.assigns.n})`);
      },
      render: ({ n }) => html`<p>${n}</p>`,
    });
    h = await new Harness().start({ liveRoutes: { "/": Titled, "/cart": Retitled } });
    const page = await loadPage(h.server, "/");
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.id).toMatch(/^phx-/);
    expect(page.session).not.toBe("");
    expect(page.html).toContain(`<div id="${page.id}" data-phx-main data-phx-session="${page.session}"><p class="n">3 pairs &amp; more</p></div>`);
    expect(page.html).toContain("<title>Sneakers</title>");
    expect(page.html).toContain(`<meta name="csrf-token" content="${page.csrf}"`);
    const cart = await loadPage(h.server, "/cart", page.cookie);
    expect(cart.html).toContain("<title>Cart (1)</title>");
    // The connected render shows the same content.
    const socket = await h.connect(page);
    const view = await h.join(socket, page, "/");
    expect(view.html()).toBe(`<p class="n">3 pairs &amp; more</p>`);
    expect(view.tree.title).toBe("Sneakers");
  });

  test("a redirect during the HTTP render answers 302 to the target", async () => {
    const Gate = defineLive<{}>({
      mount: (_c, socket) => socket.redirect("/login?next=%2Fsecret"),
      render: () => html`<p>secret</p>`,
    });
    const Moved = defineLive<{}>({
      mount: (_c, socket) => socket.pushNavigate("/new"),
      render: () => html`<p>old</p>`,
    });
    h = await new Harness().start({ liveRoutes: { "/secret": Gate, "/old": Moved } });
    const gate = await loadPage(h.server, "/secret");
    expect(gate.status).toBe(302);
    expect(gate.headers.get("location")).toBe("/login?next=%2Fsecret");
    expect(gate.html).not.toContain("secret</p>");
    const moved = await loadPage(h.server, "/old");
    expect(moved.status).toBe(302);
    expect(moved.headers.get("location")).toBe("/new");
  });
});

describe("events", () => {
  const received: EventValue[] = [];
  const Form = defineLive<{ last: string }, { pick: EventValue; save: EventValue; ask: EventValue }>({
    mount: (_c, socket) => socket.assign({ last: "none" }),
    handleEvent: {
      pick(value, socket) {
        received.push(value);
        socket.assign({ last: `pick ${value.id}` });
      },
      save(value, socket) {
        received.push(value);
        socket.assign({ last: `save ${JSON.stringify(value)}` });
      },
      ask(value, socket) {
        socket.assign({ last: `asked ${value.q}` });
        return { reply: { answer: 42, q: value.q } };
      },
    },
    render: ({ last }) => html`<form phx-submit="save"><output>${last}</output></form>`,
  });

  test("phx-value-style object values reach the handler as they were sent", async () => {
    received.length = 0;
    h = await new Harness().start({ liveRoutes: { "/": Form } });
    const { view } = await h.open("/");
    const reply = await view.event("pick", { id: "7", size: "44" });
    expect(reply[4].status).toBe("ok");
    expect(received).toEqual([{ id: "7", size: "44" }]);
    expect(view.html()).toBe(`<form phx-submit="save"><output>pick 7</output></form>`);
  });

  test("URL-encoded form values are decoded, repeated names and names ending in [] becoming arrays", async () => {
    received.length = 0;
    h = await new Harness().start({ liveRoutes: { "/": Form } });
    const { view } = await h.open("/");
    await view.event("save", "a=1&b=2&b=3&tags[]=x", { type: "form" });
    await view.event("save", "name=J%C3%BCrgen+M&note=a%26b%3Dc", { type: "form" });
    expect(received).toEqual([{ a: "1", b: ["2", "3"], tags: ["x"] }, { name: "Jürgen M", note: "a&b=c" }]);
    expect(view.html()).toBe(`<form phx-submit="save"><output>save {&quot;name&quot;:&quot;Jürgen M&quot;,&quot;note&quot;:&quot;a&amp;b=c&quot;}</output></form>`);
  });

  test("a handler's {reply} travels beside the diff in the event's reply", async () => {
    h = await new Harness().start({ liveRoutes: { "/": Form } });
    const { view } = await h.open("/");
    const reply = await view.event("ask", { q: "meaning" });
    expect(reply[4]).toEqual({ status: "ok", response: { diff: { 0: "asked meaning" }, reply: { answer: 42, q: "meaning" } } });
    // A reply without any change carries no diff.
    const again = await view.event("ask", { q: "meaning" });
    expect(again[4]).toEqual({ status: "ok", response: { reply: { answer: 42, q: "meaning" } } });
    expect(view.html()).toBe(`<form phx-submit="save"><output>asked meaning</output></form>`);
  });
});

describe("defineLive", () => {
  test("a definition without mount or render, or with a handler that is not a function, throws SB_ERR_VIEW_DEFINITION", () => {
    const render = () => html`<p></p>`;
    expect(() => defineLive({ render } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION" }));
    expect(() => defineLive({ mount() {} } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION" }));
    expect(() => defineLive({ mount() {}, render, handleEvent: { go: "nope" } } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION" }));
    expect(() => defineLive({ mount() {}, render, handleInfo: 1 } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION" }));
  });
});
