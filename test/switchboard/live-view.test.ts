// Live views as developers write them (live-view.ts), driven in-process through the harness: the
// lifecycle of the HTTP render and the connected render, the page around the dead render, event
// values as handlers receive them, and replies to client pushes.

import { afterEach, describe, expect, test } from "vitest";
import { html } from "../../src/switchboard/index.ts";
import { defineLive, type EventValue, type Params } from "../../src/switchboard/live-view.ts";
import { live, LiveRedirect } from "../../src/testing/index.ts";
import { createApp, type TestApp } from "../support/app.ts";

let t: TestApp;
afterEach(() => t?.close());

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
    t = await createApp({ liveRoutes: { "/items/:id": Item } });
    const view = await live(t.app, "/items/42?tab=specs&tag=a&tag=b");
    expect(calls).toEqual([
      "mount connected=false id=42",
      `params connected=false {"tab":"specs","tag":["a","b"],"id":"42"} /items/42?tab=specs&tag=a&tag=b`,
      "mount connected=true id=42",
      `params connected=true {"tab":"specs","tag":["a","b"],"id":"42"} /items/42?tab=specs&tag=a&tag=b`,
    ]);
    expect(view.deadHTML).toBe(`<article data-connected="false"><h1>Item 42</h1><p>specs</p><p>a+b</p></article>`);
    expect(view.render()).toBe(`<article data-connected="true"><h1>Item 42</h1><p>specs</p><p>a+b</p></article>`);
  });

  test("subscriptions are made only by the connected mount and end with the view", async () => {
    t = await createApp({ liveRoutes: { "/items/:id": Item } });
    const pubsub = t.app.switchboard.pubsub;
    const view = await live(t.app, "/items/1");
    // The HTTP render ran first and subscribed nothing.
    expect(pubsub.subscriberCount("items:dead")).toBe(0);
    expect(pubsub.subscriberCount("items")).toBe(1);
    expect(view.deadHTML).not.toContain(`data-connected="true"`);
    await view.leave();
    expect(pubsub.subscriberCount()).toBe(0);
    expect(view.render()).toBe(`<article data-connected="true"><h1>Item 1</h1><p>none</p><p></p></article>`);
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
    t = await createApp({ liveRoutes: { "/": Titled, "/cart": Retitled } });
    const page = await t.app.inject({ method: "GET", url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    const id = /<div id="(phx-[^"]+)" data-phx-main/.exec(page.body)?.[1];
    const session = /data-phx-session="([^"]+)"/.exec(page.body)?.[1];
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.body)?.[1];
    expect(id).toMatch(/^phx-/);
    expect(session).toBeTruthy();
    expect(csrf).toBeTruthy();
    expect(page.body).toContain(`<div id="${id}" data-phx-main data-phx-session="${session}"><p class="n">3 pairs &amp; more</p></div>`);
    expect(page.body).toContain("<title>Sneakers</title>");
    const cookie = page.cookies.find((c) => c.name === t.app.switchboard.session.cookie)!;
    const cart = await t.app.inject({ method: "GET", url: "/cart", cookies: { [cookie.name]: cookie.value } });
    expect(cart.body).toContain("<title>Cart (1)</title>");
    // The connected render shows the same content.
    const view = await live(t.app, "/");
    expect(view.render()).toBe(`<p class="n">3 pairs &amp; more</p>`);
    expect(view.title).toBe("Sneakers");
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
    t = await createApp({ liveRoutes: { "/secret": Gate, "/old": Moved } });
    const gate = await t.app.inject({ method: "GET", url: "/secret" });
    expect(gate.statusCode).toBe(302);
    expect(gate.headers.location).toBe("/login?next=%2Fsecret");
    expect(gate.body).not.toContain("secret</p>");
    const moved = await t.app.inject({ method: "GET", url: "/old" });
    expect(moved.statusCode).toBe(302);
    expect(moved.headers.location).toBe("/new");
    // live() sees the same: the page redirects instead of rendering.
    await expect(live(t.app, "/secret")).rejects.toMatchObject({ name: "LiveRedirect", navigation: { kind: "redirect", to: "/login?next=%2Fsecret" } });
    await expect(live(t.app, "/old")).rejects.toBeInstanceOf(LiveRedirect);
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
    t = await createApp({ liveRoutes: { "/": Form } });
    const view = await live(t.app, "/");
    const reply = await view.request("event", { type: "click", event: "pick", value: { id: "7", size: "44" } });
    expect(reply.status).toBe("ok");
    expect(received).toEqual([{ id: "7", size: "44" }]);
    expect(view.render()).toBe(`<form phx-submit="save"><output>pick 7</output></form>`);
  });

  test("URL-encoded form values are decoded, repeated names and names ending in [] becoming arrays", async () => {
    received.length = 0;
    t = await createApp({ liveRoutes: { "/": Form } });
    const view = await live(t.app, "/");
    await view.pushEvent("form", "save", "a=1&b=2&b=3&tags[]=x");
    await view.pushEvent("form", "save", "name=J%C3%BCrgen+M&note=a%26b%3Dc");
    expect(received).toEqual([{ a: "1", b: ["2", "3"], tags: ["x"] }, { name: "Jürgen M", note: "a&b=c" }]);
    expect(view.render()).toBe(`<form phx-submit="save"><output>save {&quot;name&quot;:&quot;Jürgen M&quot;,&quot;note&quot;:&quot;a&amp;b=c&quot;}</output></form>`);
  });

  test("a handler's {reply} travels beside the diff in the event's reply", async () => {
    t = await createApp({ liveRoutes: { "/": Form } });
    const view = await live(t.app, "/");
    const ask = { type: "hook", event: "ask", value: { q: "meaning" } };
    expect(await view.request("event", ask)).toEqual({ status: "ok", response: { diff: { 0: "asked meaning" }, reply: { answer: 42, q: "meaning" } } });
    // A reply without any change carries no diff.
    expect(await view.request("event", ask)).toEqual({ status: "ok", response: { reply: { answer: 42, q: "meaning" } } });
    expect(view.render()).toBe(`<form phx-submit="save"><output>asked meaning</output></form>`);
  });
});

describe("defineLive", () => {
  test("a definition without mount or render, or with a handler that is not a function, throws SB_ERR_VIEW_DEFINITION", () => {
    const render = () => html`<p></p>`;
    expect(() => defineLive({ render } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION" }));
    expect(() => defineLive({ mount() {} } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION" }));
    expect(() => defineLive({ mount() {}, render, handleEvent: { go: "nope" } } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION" }));
    expect(() => defineLive({ mount() {}, render, handleInfo: 1 } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION" }));
    expect(() => defineLive({ mount() {}, render, priority: "urgent" } as never)).toThrow(expect.objectContaining({ code: "SB_ERR_VIEW_DEFINITION", message: expect.stringContaining('"urgent"') }));
  });
});
