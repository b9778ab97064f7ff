// Presence across nodes: several nodes in one process, each with its own PubSub, Presence and
// PresenceSync, linked by the in-process bus; fake timers drive delivery, heartbeats and timeouts.

import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { Endpoint, type Logger } from "../../src/switchboard/endpoint.ts";
import { PRESENCE_SYNC_TOPIC } from "../../src/switchboard/presence-wire.ts";
import { PresenceSync, type PresenceSyncOptions } from "../../src/switchboard/presence-sync.ts";
import { Presence, PRESENCE_DIFF, type PresenceDiff, type PresenceList } from "../../src/switchboard/presence.ts";
import { PubSub, type Message } from "../../src/switchboard/pubsub.ts";
import { Bus, type BusAdapter } from "../support/cluster-bus.ts";

interface TestNode {
  readonly name: string;
  readonly adapter: BusAdapter;
  readonly pubsub: PubSub;
  readonly presence: Presence;
  readonly sync: PresenceSync;
  /** What the node logged, with its code when it has one. */
  readonly logs: { level: string; code?: string; obj: unknown }[];
  /** The presence diffs this node's subscribers of "room" received. */
  readonly diffs: PresenceDiff[];
}

let bus: Bus;
let nodes: TestNode[];

beforeEach(() => {
  vi.useFakeTimers();
  bus = new Bus();
  nodes = [];
});

afterEach(() => {
  for (const node of nodes) node.sync.stop();
  vi.useRealTimers();
});

function logger(logs: TestNode["logs"]): Logger {
  const at = (level: string) => (obj: unknown) => void logs.push({ level, code: (obj as { code?: string } | null)?.code, obj });
  return { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };
}

/** A node linked to the bus (its PubSub started first, as the app does), tracking `tracks` before it syncs. */
async function startNode(name: string, options: PresenceSyncOptions & { tracks?: [string, Record<string, unknown>][] } = {}): Promise<TestNode> {
  const logs: TestNode["logs"] = [];
  const adapter = bus.adapter();
  const pubsub = new PubSub({ adapter, node: name, log: logger(logs) });
  const presence = new Presence(pubsub, name);
  const diffs: PresenceDiff[] = [];
  pubsub.subscribe("room", { deliver: (m: Message) => void (m.event === PRESENCE_DIFF && diffs.push(m.payload as PresenceDiff)) });
  for (const [key, meta] of options.tracks ?? []) presence.track({}, "room", key, meta);
  await pubsub.start();
  const sync = new PresenceSync(presence, pubsub, { log: logger(logs), ...options });
  sync.start();
  const node = { name, adapter, pubsub, presence, sync, logs, diffs };
  nodes.push(node);
  return node;
}

/** Lets every message in flight arrive (and the answers they cause). */
const settle = () => vi.advanceTimersByTimeAsync(50);

/** A listing with each key's metas in ref order, to compare nodes' views. */
function view(node: TestNode, topic = "room"): PresenceList {
  const list = node.presence.list(topic);
  for (const group of Object.values(list)) group.metas.sort((a, b) => a.phx_ref.localeCompare(b.phx_ref));
  return list;
}

const keys = (node: TestNode, topic = "room") => Object.keys(node.presence.list(topic)).sort();
const codes = (node: TestNode) => node.logs.map((l) => l.code).filter(Boolean);

describe("PresenceSync between running nodes", () => {
  test("a track on A is listed on B, and B's subscribers get a join diff", async () => {
    const [a, b] = [await startNode("a"), await startNode("b")];
    await settle();
    a.presence.track({}, "room", "ada", { path: "/" });
    expect(b.presence.list("room")).toEqual({});
    await settle();
    expect(b.presence.list("room")).toEqual(a.presence.list("room"));
    expect(b.diffs).toEqual([{ joins: { ada: { metas: [{ path: "/", phx_ref: expect.any(String) }] } }, leaves: {} }]);
  });

  test("untrack and the end of a process leave on every node", async () => {
    const [a, b, c] = [await startNode("a"), await startNode("b"), await startNode("c")];
    const tab = {};
    a.presence.track(tab, "room", "ada", {});
    a.presence.track(tab, "lobby", "ada", {});
    a.presence.track({}, "room", "bob", {});
    await settle();
    expect(keys(b)).toEqual(["ada", "bob"]);
    a.presence.untrack(tab, "room", "ada");
    await settle();
    for (const node of [b, c]) expect(keys(node)).toEqual(["bob"]);
    expect(b.diffs.at(-1)).toEqual({ joins: {}, leaves: { ada: { metas: [{ phx_ref: expect.any(String) }] } } });
    a.presence.untrackAll(tab);
    await settle();
    for (const node of [b, c]) expect(node.presence.size("lobby")).toBe(0);
  });

  test("an update of the metadata reaches the others as a leave and a join", async () => {
    const [a, b] = [await startNode("a"), await startNode("b")];
    const tab = {};
    a.presence.track(tab, "room", "ada", { cart: [] });
    await settle();
    a.presence.update(tab, "room", "ada", { cart: [7] });
    await settle();
    expect(b.presence.list("room").ada!.metas).toEqual([{ cart: [7], phx_ref: a.presence.list("room").ada!.metas[0]!.phx_ref }]);
    expect(b.diffs.at(-1)).toMatchObject({ joins: { ada: { metas: [{ cart: [7] }] } }, leaves: { ada: { metas: [{ cart: [] }] } } });
  });

  test("the same key on two nodes lists both metas under the key, everywhere", async () => {
    const [a, b, c] = [await startNode("a"), await startNode("b"), await startNode("c")];
    a.presence.track({}, "room", "ada", { tab: "on a" });
    b.presence.track({}, "room", "ada", { tab: "on b" });
    await settle();
    for (const node of [a, b, c]) {
      expect(node.presence.list("room").ada!.metas.map((m) => m.tab).sort()).toEqual(["on a", "on b"]);
      expect(view(node)).toEqual(view(a));
    }
  });

  test("a node that joins late receives the full state of the others, and they receive its", async () => {
    const [a, b] = [await startNode("a"), await startNode("b")];
    a.presence.track({}, "room", "ada", { n: 1 });
    b.presence.track({}, "room", "bob", { n: 2 });
    b.presence.track({}, "lobby", "bea", {});
    await vi.advanceTimersByTimeAsync(5_000);
    const c = await startNode("c", { tracks: [["cy", { n: 3 }]] });
    await settle();
    expect(keys(c)).toEqual(["ada", "bob", "cy"]);
    expect(keys(c, "lobby")).toEqual(["bea"]);
    for (const node of [a, b]) expect(view(node)).toEqual(view(c));
    expect(c.diffs.flatMap((diff) => Object.keys(diff.joins)).sort()).toEqual(["ada", "bob", "cy"]);
  });

  test("a killed node's entries are removed everywhere within 10 s, with leave diffs", async () => {
    const [a, b, c] = [await startNode("a"), await startNode("b"), await startNode("c")];
    a.presence.track({}, "room", "ada", {});
    a.presence.track({}, "room", "amy", {});
    c.presence.track({}, "room", "cy", {});
    await settle();
    await vi.advanceTimersByTimeAsync(30_000); // alive and quiet: heartbeats keep it listed
    expect(keys(b)).toEqual(["ada", "amy", "cy"]);
    a.adapter.kill(); // SIGKILL: no goodbye, no more heartbeats
    const killedAt = Date.now();
    const goneAfter = new Map<string, number>();
    while (Date.now() - killedAt < 15_000 && goneAfter.size < 2) {
      await vi.advanceTimersByTimeAsync(250);
      for (const node of [b, c]) if (!goneAfter.has(node.name) && !keys(node).includes("ada")) goneAfter.set(node.name, Date.now() - killedAt);
    }
    for (const node of [b, c]) {
      expect(goneAfter.get(node.name)).toBeLessThanOrEqual(10_000);
      expect(goneAfter.get(node.name)).toBeGreaterThanOrEqual(4_000); // not before the timeout
      expect(keys(node)).toEqual(["cy"]);
      expect(node.diffs.at(-1)).toEqual({ joins: {}, leaves: { ada: { metas: [expect.any(Object)] }, amy: { metas: [expect.any(Object)] } } });
      expect(codes(node)).toContain("SB_ERR_PRESENCE_NODE_DOWN");
      expect(node.sync.peers()).not.toContain("a");
    }
  });

  test("a clean stop says goodbye: the others drop the node at once", async () => {
    const [a, b] = [await startNode("a"), await startNode("b")];
    a.presence.track({}, "room", "ada", {});
    b.presence.track({}, "room", "bob", {});
    await settle();
    a.sync.stop();
    await settle();
    expect(keys(b)).toEqual(["bob"]);
    expect(b.diffs.at(-1)).toMatchObject({ leaves: { ada: {} } });
    expect(codes(b)).not.toContain("SB_ERR_PRESENCE_NODE_DOWN");
    expect(keys(a)).toEqual(["ada"]); // the stopped node forgets the others
  });

  test("a node restarted under the same name replaces its old entries without waiting for the timeout", async () => {
    const a = await startNode("a", { tracks: [["old", {}]] });
    const b = await startNode("b");
    await settle();
    expect(keys(b)).toEqual(["old"]);
    a.adapter.kill();
    await vi.advanceTimersByTimeAsync(1_000);
    await startNode("a", { tracks: [["new", {}]] });
    await settle();
    expect(keys(b)).toEqual(["new"]);
  });
});

describe("PresenceSync repairs what the cluster loses", () => {
  const isDelta = (data: string) => JSON.parse(data)[2] === "delta";

  test("a lost delta is noticed by the next one's seq, and repaired from the full state", async () => {
    const [a, b] = [await startNode("a"), await startNode("b")];
    await settle();
    let lost = 0;
    bus.drop = (sent, to) => to === "b" && isDelta(sent.data) && lost++ === 0;
    a.presence.track({}, "room", "ada", {});
    await settle();
    expect(keys(b)).toEqual([]);
    a.presence.track({}, "room", "amy", {});
    await settle();
    expect(keys(b)).toEqual(["ada", "amy"]);
    expect(bus.messages(PRESENCE_SYNC_TOPIC, "sync").map(([, , , p]) => p)).toContainEqual({ node: "b", run: b.sync.run, target: "a" });
  });

  test("a lost last delta is noticed by the next heartbeat", async () => {
    const [a, b] = [await startNode("a"), await startNode("b")];
    await settle();
    bus.drop = (sent, to) => to === "b" && isDelta(sent.data);
    a.presence.track({}, "room", "ada", {});
    await settle();
    expect(keys(b)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(keys(b)).toEqual(["ada"]);
  });

  test.each([2_000, 8_000])("after an outage of %i ms the views converge", async (outageMs) => {
    const [a, b, c] = [await startNode("a"), await startNode("b"), await startNode("c")];
    const gone = {};
    a.presence.track(gone, "room", "a-gone", {});
    a.presence.track({}, "room", "a-stays", {});
    b.presence.track(gone, "room", "b-gone", {});
    await settle();
    a.adapter.cut();
    a.presence.untrackAll(gone);
    a.presence.track({}, "room", "a-new", {});
    b.presence.untrackAll(gone);
    b.presence.track({}, "room", "b-new", {});
    await vi.advanceTimersByTimeAsync(outageMs);
    expect(keys(c)).toContain(outageMs > 5_000 ? "b-new" : "a-gone"); // a's changes were lost meanwhile
    a.adapter.heal();
    await settle();
    for (const node of [a, b, c]) {
      expect(keys(node)).toEqual(["a-new", "a-stays", "b-new"]);
      expect(view(node)).toEqual(view(a));
    }
  });

  test("malformed messages are dropped and logged, and never change the view", async () => {
    const [a, b] = [await startNode("a"), await startNode("b", { maxEntries: 50 })];
    a.presence.track({}, "room", "ada", {});
    await settle();
    const before = view(b);
    const entry = { topic: "room", key: "x", ref: "r1", meta: {} };
    const from = { node: "evil", run: "r" };
    const bad: [string, unknown][] = [
      ["delta", null],
      ["delta", []],
      ["delta", { ...from, node: 5, seq: 1, joins: [], leaves: [] }],
      ["delta", { ...from, seq: -1, joins: [], leaves: [] }],
      ["delta", { ...from, seq: "1", joins: [], leaves: [] }],
      ["delta", { ...from, seq: 1.5, joins: [], leaves: [] }],
      ["delta", { ...from, seq: 1, joins: {}, leaves: [] }],
      ["delta", { ...from, seq: 1, joins: [entry] }],
      ["delta", { ...from, seq: 1, joins: [{ ...entry, key: "" }], leaves: [] }],
      ["delta", { ...from, seq: 1, joins: [entry, { ...entry, ref: "r2", meta: [1] }], leaves: [] }],
      ["delta", { ...from, seq: 1, joins: Array.from({ length: 51 }, (_, i) => ({ ...entry, ref: `r${i}` })), leaves: [] }],
      ["delta", { ...from, seq: 1, joins: [], leaves: [{ topic: "room" }] }],
      ["state", { ...from, seq: 1, entries: [entry, null] }],
      ["state", { ...from, seq: 1, entries: "all of them" }],
      ["heartbeat", { node: "evil", seq: 1 }],
      ["sync", { ...from, target: 7 }],
      ["explode", { ...from }],
    ];
    for (const [event, payload] of bad) expect(() => b.adapter.hear(JSON.stringify(["evil", PRESENCE_SYNC_TOPIC, event, payload]))).not.toThrow();
    // A leave for a's entry, sent by another node, leaves a's entry alone.
    b.adapter.hear(JSON.stringify(["evil", PRESENCE_SYNC_TOPIC, "delta", { ...from, seq: 1, joins: [], leaves: [{ topic: "room", ref: before.ada!.metas[0]!.phx_ref }] }]));
    await settle();
    expect(view(b)).toEqual(before);
    expect(b.logs.filter((l) => l.code === "SB_ERR_PRESENCE_MESSAGE")).toHaveLength(bad.length);
    expect(b.logs.find((l) => l.code === "SB_ERR_PRESENCE_MESSAGE")!.obj).toMatchObject({ event: "delta", why: expect.stringContaining("payload is null") });
    a.presence.track({}, "room", "amy", {}); // and the sync goes on working
    await settle();
    expect(keys(b)).toEqual(["ada", "amy"]);
  });
});

describe("PresenceSync traffic", () => {
  test("1,000 tracks in one tick go out as one delta, and arrive as one diff", async () => {
    const [a, b] = [await startNode("a"), await startNode("b")];
    await settle();
    const sentBefore = bus.messages(PRESENCE_SYNC_TOPIC, "delta").length;
    for (let i = 0; i < 1_000; i++) a.presence.track({}, "room", `user${i}`, { i });
    await settle();
    expect(bus.messages(PRESENCE_SYNC_TOPIC, "delta").length - sentBefore).toBe(1);
    expect(b.presence.size("room")).toBe(1_000);
    expect(b.diffs).toHaveLength(1);
    expect(Object.keys(b.diffs[0]!.joins)).toHaveLength(1_000);
  });

  test("a join and its leave within one tick send nothing; a delta larger than a message is split", async () => {
    const [a, b] = [await startNode("a", { maxEntries: 400 }), await startNode("b", { maxEntries: 400 })];
    await settle();
    const sentBefore = bus.messages(PRESENCE_SYNC_TOPIC, "delta").length;
    const tab = {};
    a.presence.track(tab, "room", "blink", {});
    a.presence.untrackAll(tab);
    await settle();
    expect(bus.messages(PRESENCE_SYNC_TOPIC, "delta").length).toBe(sentBefore);
    for (let i = 0; i < 1_000; i++) a.presence.track({}, "room", `user${i}`, {});
    await settle();
    expect(bus.messages(PRESENCE_SYNC_TOPIC, "delta").length - sentBefore).toBe(3);
    expect(b.presence.size("room")).toBe(1_000);
    expect(codes(b)).toEqual([]);
  });

  test("options that cannot work are refused when the sync is built", () => {
    const pubsub = new PubSub();
    const presence = new Presence(pubsub, "a");
    expect(() => new PresenceSync(presence, pubsub, { heartbeatMs: 0 })).toThrow(RangeError);
    expect(() => new PresenceSync(presence, pubsub, { heartbeatMs: 1_000, timeoutMs: 1_500 })).toThrow(/timeoutMs of at least two heartbeats/);
    expect(() => new PresenceSync(presence, pubsub, { maxEntries: 0.5 })).toThrow(/received heartbeatMs 1000, timeoutMs 5000, maxEntries 0.5/);
  });

  test("stop clears the timers: a stopped node sends nothing more", async () => {
    const a = await startNode("a");
    await settle();
    a.sync.stop();
    const sent = bus.sent.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(bus.sent.length).toBe(sent);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("Endpoint with a cluster PubSub", () => {
  const endpoint = (name: string) => new Endpoint({ pubsub: new PubSub({ adapter: bus.adapter(), node: name, log: logger([]) }) });

  test("replicates its Presence, even when its PubSub is linked after the endpoint is built, and says goodbye at shutdown", async () => {
    const a = endpoint("a");
    const b = endpoint("b");
    expect(a.presenceSync).toBeInstanceOf(PresenceSync);
    a.presence.track({}, "room", "ada", {});
    b.presence.track({}, "room", "bob", {});
    await a.pubsub.start();
    await b.pubsub.start();
    await vi.advanceTimersByTimeAsync(1_100);
    expect(Object.keys(a.presence.list("room")).sort()).toEqual(["ada", "bob"]);
    expect(Object.keys(b.presence.list("room")).sort()).toEqual(["ada", "bob"]);
    b.shutdown();
    await settle();
    expect(Object.keys(a.presence.list("room"))).toEqual(["ada"]);
    a.shutdown();
  });

  test("an endpoint in process has no sync", () => {
    expect(new Endpoint().presenceSync).toBeNull();
  });
});
