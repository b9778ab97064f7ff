// Presence: track/list/untrack with join and leave diffs, entries ending with their process, and
// the merge and replacement of other nodes' entries that presence-sync builds on.

import Fastify from "fastify";
import { afterEach, describe, expect, test } from "vitest";
import { defineLive, html, PRESENCE_DIFF, switchboard, type Message, type PresenceList } from "../../src/switchboard/index.ts";
import { Presence } from "../../src/switchboard/presence.ts";
import { PubSub } from "../../src/switchboard/pubsub.ts";
import { live, connect } from "../../src/testing/index.ts";
import { defineChannel, reply } from "../../src/switchboard/channel.ts";

function recorder(pubsub: PubSub, topic: string) {
  const diffs: unknown[] = [];
  pubsub.subscribe(topic, { deliver: (m: Message) => m.event === PRESENCE_DIFF && diffs.push(m.payload) });
  return diffs;
}

const refsless = (list: PresenceList) => Object.fromEntries(Object.entries(list).map(([k, v]) => [k, v.metas.map(({ phx_ref, ...meta }) => meta)]));

describe("Presence", () => {
  test("track lists entries grouped by key, with every meta, and sends a join diff", () => {
    const pubsub = new PubSub();
    const presence = new Presence(pubsub, "n1");
    const diffs = recorder(pubsub, "room");
    const tab1 = {};
    const tab2 = {};
    presence.track(tab1, "room", "ada", { path: "/" });
    presence.track(tab2, "room", "ada", { path: "/checkout" });
    presence.track({}, "room", "bob", {});
    expect(refsless(presence.list("room"))).toEqual({ ada: [{ path: "/" }, { path: "/checkout" }], bob: [{}] });
    expect(presence.list("room").ada!.metas[0]!.phx_ref).toMatch(/.+/);
    expect(diffs).toHaveLength(3);
    expect(diffs[0]).toEqual({ joins: { ada: { metas: [{ path: "/", phx_ref: expect.any(String) }] } }, leaves: {} });
  });

  test("untrack and untrackAll remove entries and send leave diffs; other keys stay", () => {
    const pubsub = new PubSub();
    const presence = new Presence(pubsub, "n1");
    const diffs = recorder(pubsub, "room");
    const tab = {};
    presence.track(tab, "room", "ada", { path: "/" });
    presence.track(tab, "lobby", "ada", {});
    presence.track({}, "room", "bob", {});
    presence.untrack(tab, "room", "ada");
    expect(Object.keys(presence.list("room"))).toEqual(["bob"]);
    expect(diffs.at(-1)).toEqual({ joins: {}, leaves: { ada: { metas: [{ path: "/", phx_ref: expect.any(String) }] } } });
    presence.untrackAll(tab);
    expect(presence.list("lobby")).toEqual({});
    expect(presence.size()).toBe(1);
  });

  test("update replaces the metadata as a leave plus a join", () => {
    const pubsub = new PubSub();
    const presence = new Presence(pubsub, "n1");
    const diffs = recorder(pubsub, "room");
    const tab = {};
    presence.track(tab, "room", "ada", { cart: [] });
    presence.update(tab, "room", "ada", { cart: [7] });
    expect(refsless(presence.list("room"))).toEqual({ ada: [{ cart: [7] }] });
    expect(diffs.at(-1)).toMatchObject({ joins: { ada: { metas: [{ cart: [7] }] } }, leaves: { ada: { metas: [{ cart: [] }] } } });
  });

  test("entries of other nodes merge in, announce locally, and go when their node is dropped", () => {
    const pubsub = new PubSub();
    const presence = new Presence(pubsub, "n1");
    const diffs = recorder(pubsub, "room");
    const local: unknown[] = [];
    presence.listeners.add((change) => local.push(change));
    presence.track({}, "room", "ada", {});
    presence.merge([{ node: "n2", topic: "room", key: "bob", ref: "r1", meta: { path: "/" } }], []);
    presence.merge([{ node: "n2", topic: "room", key: "bob", ref: "r1", meta: { path: "/" } }], []); // again: no duplicate
    expect(Object.keys(presence.list("room")).sort()).toEqual(["ada", "bob"]);
    expect(local).toHaveLength(1); // only this node's own change is replicated
    presence.dropNode("n2");
    expect(Object.keys(presence.list("room"))).toEqual(["ada"]);
    expect(diffs.at(-1)).toMatchObject({ leaves: { bob: { metas: [{ path: "/" }] } } });
    expect(presence.localEntries().map((e) => e.key)).toEqual(["ada"]);
  });

  test("replaceNode makes a node's full state the entries held for it: leaves for refs gone, joins for new ones", () => {
    const pubsub = new PubSub();
    const presence = new Presence(pubsub, "n1");
    const diffs = recorder(pubsub, "room");
    presence.track({}, "room", "ada", {});
    presence.merge(
      [
        { node: "n2", topic: "room", key: "bob", ref: "r1", meta: { n: 1 } },
        { node: "n2", topic: "room", key: "bea", ref: "r2", meta: {} },
        { node: "n3", topic: "room", key: "cy", ref: "r3", meta: {} },
      ],
      [],
    );
    diffs.length = 0;
    presence.replaceNode("n2", [
      { topic: "room", key: "bob", ref: "r1", meta: { n: 1 } },
      { topic: "room", key: "bo", ref: "r4", meta: { n: 4 } },
      { topic: "lobby", key: "bob", ref: "r5", meta: {} },
    ]);
    expect(refsless(presence.list("room"))).toEqual({ ada: [{}], bob: [{ n: 1 }], cy: [{}], bo: [{ n: 4 }] });
    expect(Object.keys(presence.list("lobby"))).toEqual(["bob"]);
    expect(diffs).toEqual([{ joins: { bo: { metas: [{ n: 4, phx_ref: "r4" }] } }, leaves: { bea: { metas: [{ phx_ref: "r2" }] } } }]);
    presence.replaceNode("n2", [
      { topic: "room", key: "bob", ref: "r1", meta: { n: 1 } },
      { topic: "room", key: "bo", ref: "r4", meta: { n: 4 } },
      { topic: "lobby", key: "bob", ref: "r5", meta: {} },
    ]);
    expect(diffs).toHaveLength(1); // the same state again changes nothing
    presence.replaceNode("n2", []);
    expect(Object.keys(presence.list("room")).sort()).toEqual(["ada", "cy"]);
    expect(presence.size("lobby")).toBe(0);
  });

  test("replaceNode and dropNode never touch this node's own entries, nor another node's refs", () => {
    const presence = new Presence(new PubSub(), "n1");
    const ref = presence.track({}, "room", "ada", {});
    presence.replaceNode("n1", []);
    presence.dropNode("n1");
    presence.replaceNode("n2", [{ topic: "room", key: "mallory", ref, meta: {} }]);
    expect(presence.list("room")).toEqual({ ada: { metas: [{ phx_ref: ref }] } });
    presence.merge([{ node: "n2", topic: "room", key: "bob", ref: "r1", meta: {} }], []);
    presence.merge([], [{ node: "n3", topic: "room", ref: "r1" }]); // a leave naming another node
    expect(Object.keys(presence.list("room")).sort()).toEqual(["ada", "bob"]);
    presence.merge([], [{ node: "n2", topic: "room", ref: "r1" }]);
    expect(Object.keys(presence.list("room"))).toEqual(["ada"]);
  });

  test("a key named like an Object.prototype property is listed like any other", () => {
    const pubsub = new PubSub();
    const presence = new Presence(pubsub, "n1");
    const diffs = recorder(pubsub, "room");
    presence.track({}, "room", "__proto__", { a: 1 });
    presence.track({}, "room", "constructor", {});
    const list = presence.list("room");
    expect(Object.keys(list).sort()).toEqual(["__proto__", "constructor"]);
    expect(list["__proto__"]!.metas).toEqual([{ a: 1, phx_ref: expect.any(String) }]);
    expect(Object.getPrototypeOf(list)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(diffs[0]))).toMatchObject({ joins: { ["__proto__"]: { metas: [{ a: 1 }] } } });
  });

  test("bad topics or keys are refused with a clear error", () => {
    const presence = new Presence(new PubSub());
    expect(() => presence.track({}, "", "a")).toThrow(TypeError);
    expect(() => presence.track({}, "room", "")).toThrow(/non-empty strings/);
  });
});

describe("Presence in live views and channels", () => {
  let app: ReturnType<typeof Fastify> | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  const Room = defineLive<{ who: string[] }>({
    mount({ params }, socket) {
      socket.assign({ who: [] });
      if (!socket.connected) return;
      socket.subscribe("room");
      socket.track("room", String(params.name ?? "anon"), { path: "/" });
      socket.assign({ who: Object.keys(socket.presence.list("room")).sort() });
    },
    handleInfo(message, socket) {
      if (message.event === PRESENCE_DIFF) socket.assign({ who: Object.keys(socket.presence.list("room")).sort() });
    },
    render: ({ who }) => html`<ul>${who.map((name) => html`<li key=${name}>${name}</li>`)}</ul>`,
  });

  test("a view sees others arrive and leave; a closed tab's entry ends at once", async () => {
    app = Fastify();
    await app.register(switchboard, { liveRoutes: { "/": Room } });
    const ada = await live(app, "/?name=ada");
    expect(ada.render()).toBe("<ul><li>ada</li></ul>");
    const bob = await live(app, "/?name=bob");
    await ada.settle();
    expect(ada.render()).toBe("<ul><li>ada</li><li>bob</li></ul>");
    bob.close();
    await ada.settle();
    expect(ada.render()).toBe("<ul><li>ada</li></ul>");
    expect(app.switchboard.presence.size("room")).toBe(1);
  });

  test("the HTTP render tracks nothing (presence exists only for connected views)", async () => {
    app = Fastify();
    await app.register(switchboard, { liveRoutes: { "/": Room } });
    await app.inject({ method: "GET", url: "/?name=ghost" });
    expect(app.switchboard.presence.size()).toBe(0);
  });

  test("a channel's presence ends when it leaves", async () => {
    const Lobby = defineChannel({
      topic: "lobby",
      join(_topic, payload, socket) {
        socket.track("lobby", String(payload.name));
        return reply.ok({});
      },
    });
    app = Fastify();
    await app.register(switchboard, { channels: [Lobby] });
    const socket = await connect(app);
    const { channel } = await socket.join("lobby", { name: "ada" });
    expect(Object.keys(app.switchboard.presence.list("lobby"))).toEqual(["ada"]);
    await channel.leave().assertReply("ok");
    expect(app.switchboard.presence.list("lobby")).toEqual({});
    socket.close();
  });
});
