// The cluster adapters' one conformance suite, run on PostgreSQL LISTEN/NOTIFY and on Redis: real
// PubSub nodes in this process, each with its own adapter on a prefix of the test's own. Then each
// engine's own failure (a listener's backend terminated; Redis killed and restarted) and the
// promise of one listening connection per node however many topics.

import postgres from "postgres";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { CLUSTER_TOPIC, PubSub, postgresAdapter, randomId, redisAdapter, type ClusterAdapter, type Logger, type Message, type Subscriber } from "../../src/switchboard/index.ts";
import { createEmptyDatabase, hasPostgres, postgresUrl } from "../support/databases.ts";
import { hasRedis, hasRedisServer, PrivateRedis, redisUrl } from "../support/redis.ts";

// ---- nodes, subscribers, logs -------------------------------------------------------------------

interface LogEntry {
  readonly level: string;
  readonly obj: Record<string, unknown>;
  readonly msg?: string;
}

class TestNode {
  readonly logs: LogEntry[] = [];
  readonly pubsub: PubSub;
  constructor(adapter: ClusterAdapter, node: string) {
    const entry = (level: string) => (obj: unknown, msg?: string) => void this.logs.push({ level, obj: obj as Record<string, unknown>, msg });
    const log: Logger = { info: entry("info"), warn: entry("warn"), error: entry("error"), debug: entry("debug") };
    this.pubsub = new PubSub({ adapter, node, log });
  }
  codes(): unknown[] {
    return this.logs.map((entry) => entry.obj.code).filter(Boolean);
  }
  /** A new subscriber of `topic` on this node. */
  inbox(topic: string): Inbox {
    const inbox = new Inbox();
    this.pubsub.subscribe(topic, inbox);
    return inbox;
  }
}

class Inbox implements Subscriber {
  readonly got: Message[] = [];
  deliver(message: Message): void {
    this.got.push(message);
  }
  events(): string[] {
    return this.got.map((message) => message.event);
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 8000): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uniquePrefix = () => `sbt_${randomId(6).toLowerCase().replace(/[^a-z0-9]/g, "")}`;

// ---- the engines --------------------------------------------------------------------------------

interface Engine {
  readonly name: "postgres" | "redis";
  readonly available: boolean;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  adapter(prefix: string, options?: { maxQueueSize?: number }): ClusterAdapter;
  /** Sends `data` on the engine's channel for `topic`, bypassing Switchboard. */
  raw(prefix: string, topic: string, data: string): Promise<void>;
}

function postgresEngine(): Engine & { url(): string; database(): string; admin(): postgres.Sql } {
  let db: Awaited<ReturnType<typeof createEmptyDatabase>> | null = null;
  let admin: postgres.Sql | null = null;
  return {
    name: "postgres",
    available: hasPostgres,
    async setup() {
      db = await createEmptyDatabase();
      admin = postgres(db.url, { max: 1, onnotice: () => {} });
    },
    async teardown() {
      await admin?.end({ timeout: 1 });
      await db?.drop();
    },
    adapter: (prefix, options) => postgresAdapter({ url: db!.url, prefix, ...options }),
    raw: async (prefix, _topic, data) => void (await admin!`select pg_notify(${prefix}, ${data})`),
    url: () => db!.url,
    database: () => db!.name,
    admin: () => admin!,
  };
}

function redisEngine(url = () => redisUrl): Engine {
  let raw: Redis | null = null;
  return {
    name: "redis",
    available: hasRedis,
    async setup() {
      raw = new Redis(url(), { maxRetriesPerRequest: 0 });
    },
    async teardown() {
      raw?.disconnect();
    },
    adapter: (prefix, options) => redisAdapter({ url: url(), prefix, ...options }),
    raw: async (prefix, topic, data) => void (await raw!.publish(`${prefix}:${topic}`, data)),
  };
}

/** Starts and stops the nodes of one describe block. */
function nodesOf(engine: Engine) {
  let nodes: TestNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.pubsub.stop()));
    nodes = [];
  });
  return async (count: number, prefix = uniquePrefix(), options?: { maxQueueSize?: number }): Promise<TestNode[]> => {
    const started = Array.from({ length: count }, (_, i) => new TestNode(engine.adapter(prefix, options), `${"abcdefgh"[i]}-${randomId(3)}`));
    nodes.push(...started);
    await Promise.all(started.map((node) => node.pubsub.start()));
    return started;
  };
}

/** Every node's subscriptions are in place and its broadcasts handed to the engine. */
const settle = (nodes: TestNode[]) => Promise.all(nodes.map((node) => node.pubsub.flush()));

/**
 * Waits until `to` hears a fresh broadcast from `from`: whatever `from` sent before has then reached
 * `to` too (each sender's messages keep their order), so a test can assert that something did NOT.
 */
async function roundTrip(from: TestNode, to: TestNode): Promise<void> {
  const topic = `sentinel:${randomId(4)}`;
  const inbox = to.inbox(topic);
  await settle([to]);
  from.pubsub.broadcast(topic, "ping", null);
  await waitFor(`a sentinel from ${from.pubsub.node} at ${to.pubsub.node}`, () => inbox.got.length === 1);
  to.pubsub.unsubscribe(topic, inbox);
}

// ---- the conformance suite ----------------------------------------------------------------------

const engines = [postgresEngine(), redisEngine()];

describe.each(engines)("cluster adapter on $name", (engine) => {
  describe.skipIf(!engine.available)("conformance", () => {
    beforeAll(() => engine.setup());
    afterAll(() => engine.teardown());
    const start = nodesOf(engine);

    test("a broadcast reaches every node's subscribers exactly once; the sender's own at once", async () => {
      const [a, b, c] = await start(3);
      const [onA, onB, onB2, onC] = [a!.inbox("room"), b!.inbox("room"), b!.inbox("room"), c!.inbox("room")];
      await settle([a!, b!, c!]);
      a!.pubsub.broadcast("room", "said", { text: "hi" });
      expect(onA.got).toEqual([{ topic: "room", event: "said", payload: { text: "hi" } }]); // synchronously
      await waitFor("b and c hear it", () => onB.got.length > 0 && onB2.got.length > 0 && onC.got.length > 0);
      await roundTrip(b!, a!); // a's own copy has come back through the engine by now, and was dropped
      await roundTrip(a!, c!);
      for (const inbox of [onA, onB, onB2, onC]) expect(inbox.got).toEqual([{ topic: "room", event: "said", payload: { text: "hi" } }]);
    });

    test("broadcastFrom excludes the sender on its node and reaches everyone else", async () => {
      const [a, b, c] = await start(3);
      const [sender, besideSender, onB, onC] = [a!.inbox("room"), a!.inbox("room"), b!.inbox("room"), c!.inbox("room")];
      await settle([a!, b!, c!]);
      a!.pubsub.broadcastFrom(sender, "room", "typing", { who: 1 });
      expect(besideSender.events()).toEqual(["typing"]);
      await waitFor("b and c hear it", () => onB.got.length > 0 && onC.got.length > 0);
      await roundTrip(b!, a!);
      expect(sender.got).toEqual([]);
      expect([besideSender, onB, onC].map((inbox) => inbox.events())).toEqual([["typing"], ["typing"], ["typing"]]);
    });

    test("a node without subscribers of a topic delivers nothing of it", async () => {
      const [a, b] = await start(2);
      const elsewhere = b!.inbox("other");
      await settle([a!, b!]);
      a!.pubsub.broadcast("room", "said", 1);
      await roundTrip(a!, b!);
      expect(elsewhere.got).toEqual([]);
      expect(b!.pubsub.subscriberCount("room")).toBe(0);
    });

    test("a topic unsubscribed stops arriving", async () => {
      const [a, b] = await start(2);
      const onB = b!.inbox("room");
      await settle([a!, b!]);
      a!.pubsub.broadcast("room", "first", null);
      await waitFor("the first", () => onB.got.length === 1);
      b!.pubsub.unsubscribe("room", onB);
      await settle([b!]);
      a!.pubsub.broadcast("room", "second", null);
      await roundTrip(a!, b!);
      expect(onB.events()).toEqual(["first"]);
    });

    test("a 100 KB payload, and one of multi-byte characters, arrive intact", async () => {
      const [a, b] = await start(2);
      const onB = b!.inbox("big");
      await settle([a!, b!]);
      const ascii = { blob: "x".repeat(100 * 1024), n: 1 };
      const unicode = { blob: "€ü😀漢\u0301".repeat(12_000), quote: '"\\\n\u0000' };
      a!.pubsub.broadcast("big", "ascii", ascii);
      a!.pubsub.broadcast("big", "unicode", unicode);
      await waitFor("both", () => onB.got.length === 2);
      expect(onB.got.map((m) => m.payload)).toEqual([ascii, unicode]);
    });

    test("identical broadcasts in one turn all arrive (none is folded into another)", async () => {
      const [a, b] = await start(2);
      const onB = b!.inbox("room");
      await settle([a!, b!]);
      for (let i = 0; i < 3; i++) a!.pubsub.broadcast("room", "same", { same: true });
      await waitFor("three", () => onB.got.length === 3);
      await roundTrip(a!, b!);
      expect(onB.got).toHaveLength(3);
    });

    test("many messages keep their order per sender", async () => {
      const [a, b, c] = await start(3);
      const onC = c!.inbox("seq");
      await settle([a!, b!, c!]);
      const n = 500;
      for (let i = 0; i < n; i++) {
        a!.pubsub.broadcast("seq", "a", i);
        b!.pubsub.broadcast("seq", "b", i);
        if (i % 100 === 0) await sleep(1); // some in later turns, some batched
      }
      await waitFor("all of them", () => onC.got.length === 2 * n);
      for (const sender of ["a", "b"]) {
        expect(onC.got.filter((m) => m.event === sender).map((m) => m.payload)).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    });

    test("a malformed message on the engine's channel is dropped and logged; later ones still arrive", async () => {
      const prefix = uniquePrefix();
      const [a, b] = await start(2, prefix);
      const onB = b!.inbox("room");
      await settle([a!, b!]);
      for (const junk of ["not json", '{"a":1}', '["x"]', "abc.1:0:1:[1,2]", "abc.2:0:2:half"]) await engine.raw(prefix, "room", junk);
      a!.pubsub.broadcast("room", "after", null);
      await waitFor("the message after", () => onB.got.length === 1);
      expect(onB.events()).toEqual(["after"]);
      expect(b!.codes().filter((code) => code === "SB_ERR_PUBSUB_ENVELOPE").length).toBeGreaterThanOrEqual(3);
    });

    test("nodes with different prefixes do not hear each other", async () => {
      const [a, b] = await start(2);
      const [other] = await start(1);
      const [onB, onOther] = [b!.inbox("room"), other!.inbox("room")];
      await settle([a!, b!, other!]);
      a!.pubsub.broadcast("room", "said", null);
      other!.pubsub.broadcast("room", "elsewhere", null);
      await waitFor("b hears its own cluster", () => onB.got.length === 1);
      await roundTrip(a!, b!);
      await sleep(100);
      expect(onB.events()).toEqual(["said"]);
      expect(onOther.events()).toEqual(["elsewhere"]); // its own, locally; nothing from a
    });

    test("a payload that cannot be serialised reaches this node's subscribers only, and is logged", async () => {
      const [a, b] = await start(2);
      const [onA, onB] = [a!.inbox("room"), b!.inbox("room")];
      await settle([a!, b!]);
      a!.pubsub.broadcast("room", "big", { n: 10n });
      expect(onA.got).toEqual([{ topic: "room", event: "big", payload: { n: 10n } }]);
      await roundTrip(a!, b!);
      expect(onB.got).toEqual([]);
      expect(a!.codes()).toContain("SB_ERR_PUBSUB_PAYLOAD");
    });

    test("broadcasts beyond the queue bound are dropped, counted in two log lines, and later ones arrive", async () => {
      const [a, b] = await start(2, uniquePrefix(), { maxQueueSize: 20_000 });
      const [onA, onB] = [a!.inbox("room"), b!.inbox("room")];
      await settle([a!, b!]);
      for (let i = 0; i < 100; i++) a!.pubsub.broadcast("room", "burst", "x".repeat(1000));
      expect(onA.got).toHaveLength(100);
      await settle([a!]);
      a!.pubsub.broadcast("room", "after", null);
      await waitFor("the one after", () => onB.events().includes("after"));
      const burst = onB.events().filter((event) => event === "burst").length;
      expect(burst).toBeGreaterThan(0);
      expect(burst).toBeLessThan(100);
      const drops = a!.logs.filter((entry) => entry.obj.code === "SB_ERR_PUBSUB_DROPPED");
      expect(drops.map((entry) => entry.obj.dropped)).toEqual([undefined, 100 - burst]);
    });

    test("the node-local cluster topic never travels", async () => {
      const [a, b] = await start(2);
      const onB = b!.inbox(CLUSTER_TOPIC);
      await settle([a!, b!]);
      a!.pubsub.broadcast(CLUSTER_TOPIC, "resumed", null);
      await roundTrip(a!, b!);
      expect(onB.got).toEqual([]);
    });
  });
});

test.each([
  ["postgresAdapter", () => postgresAdapter({ url: "localhost:5432" })],
  ["postgresAdapter", () => postgresAdapter({ url: "postgres://x/y", prefix: "has space" })],
  ["postgresAdapter", () => postgresAdapter({ url: "postgres://x/y", prefix: "p".repeat(41) })],
  ["postgresAdapter", () => postgresAdapter({ url: "postgres://x/y", reassemblyTimeoutMs: 0 })],
  ["redisAdapter", () => redisAdapter({ url: "redis://x", prefix: "a:b" })],
  ["redisAdapter", () => redisAdapter({ url: "redis://x", maxQueueSize: 1.5 })],
  ["redisAdapter", () => redisAdapter({ url: "redis://x", maxBackoffMs: Number.NaN })],
])("%s refuses a wrong option at once with SB_ERR_PUBSUB_OPTION", (_, build) => {
  expect(build).toThrow(expect.objectContaining({ code: "SB_ERR_PUBSUB_OPTION" }));
});

// ---- PostgreSQL: its failure, its connections ---------------------------------------------------

describe.skipIf(!hasPostgres)("postgres adapter", () => {
  const engine = postgresEngine();
  beforeAll(() => engine.setup());
  afterAll(() => engine.teardown());
  const start = nodesOf(engine);

  const listeners = async (prefix: string) =>
    engine.admin()<{ pid: number; application_name: string }[]>`
      select pid, application_name from pg_stat_activity
      where datname = ${engine.database()} and query ilike 'listen%' and application_name like ${prefix + ":listen:%"}`;

  test("one listening connection per node, however many topics", async () => {
    const prefix = uniquePrefix();
    const nodes = await start(3, prefix);
    for (const node of nodes) for (let i = 0; i < 300; i++) node.inbox(`topic:${i}`);
    await settle(nodes);
    const rows = await listeners(prefix);
    expect(rows.map((row) => row.application_name).sort()).toEqual(nodes.map((node) => `${prefix}:listen:${node.pubsub.node}`).sort());
    const [{ count }] = await engine.admin()<{ count: number }[]>`
      select count(*)::int as count from pg_stat_activity where datname = ${engine.database()} and application_name like ${prefix + ":%"}`;
    expect(count).toBeLessThanOrEqual(2 * nodes.length); // a listener and a sender each
  });

  test("a terminated listener: interrupted, local delivery goes on, resumed, and broadcasts flow again", async () => {
    const prefix = uniquePrefix();
    const [a, b] = await start(2, prefix);
    const [link, onA, onB] = [b!.inbox(CLUSTER_TOPIC), a!.inbox("room"), b!.inbox("room")];
    await settle([a!, b!]);
    const [listener] = (await listeners(prefix)).filter((row) => row.application_name.endsWith(b!.pubsub.node));
    await engine.admin()`select pg_terminate_backend(${listener!.pid}::int)`;
    await waitFor("interrupted", () => link.events().includes("interrupted"));
    b!.pubsub.broadcast("room", "local", null);
    expect(onB.events()).toEqual(["local"]);
    await waitFor("resumed", () => link.events().includes("resumed"));
    expect(link.events()).toEqual(["interrupted", "resumed"]);
    expect(b!.codes()).toContain("SB_ERR_PUBSUB_LINK");
    a!.pubsub.broadcast("room", "again", null);
    await waitFor("b hears a again", () => onB.events().includes("again"));
    await waitFor("a hears b's broadcast made during the outage", () => onA.events().includes("local"));
    const rows = await listeners(prefix);
    expect(rows).toHaveLength(2);
  });
});

// ---- Redis: its failure, its connections --------------------------------------------------------

describe.skipIf(!hasRedisServer)("redis adapter on a private server", () => {
  let server: PrivateRedis;
  let admin: Redis;
  const engine = redisEngine(() => server.url);
  beforeAll(async () => {
    server = await PrivateRedis.start();
    admin = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    admin.on("error", () => {});
    await engine.setup();
  });
  afterAll(async () => {
    await engine.teardown();
    admin.disconnect();
    await server.kill();
  });
  const start = nodesOf(engine);

  const pubsubClients = async (prefix: string) =>
    String(await admin.call("client", "list", "type", "pubsub"))
      .split("\n")
      .map((line) => /\bname=(\S*)/.exec(line)?.[1] ?? "")
      .filter((name) => name.startsWith(`${prefix}:`));
  const channels = async (prefix: string) => ((await admin.call("pubsub", "channels", `${prefix}:*`)) as string[]).length;
  const subscribeCalls = async () => Number(/cmdstat_subscribe:calls=(\d+)/.exec(String(await admin.call("info", "commandstats")))?.[1] ?? 0);

  test("one subscriber connection per node; thousands of topics in a few commands; none left after", async () => {
    const prefix = uniquePrefix();
    const nodes = await start(2, prefix);
    const before = await subscribeCalls();
    const inboxes = nodes.map((node) => Array.from({ length: 3000 }, (_, i) => node.inbox(`topic:${i}`)));
    await settle(nodes);
    expect((await pubsubClients(prefix)).sort()).toEqual(nodes.map((node) => `${prefix}:${node.pubsub.node}:sub`).sort());
    expect(await channels(prefix)).toBe(3000);
    expect((await subscribeCalls()) - before).toBeLessThanOrEqual(2 * 3);
    nodes[0]!.pubsub.broadcast("topic:2999", "last", null);
    await waitFor("the other node hears the last topic", () => inboxes[1]![2999]!.got.length === 1);
    nodes.forEach((node, n) => inboxes[n]!.forEach((inbox, i) => node.pubsub.unsubscribe(`topic:${i}`, inbox)));
    await settle(nodes);
    expect(await channels(prefix)).toBe(0);
  });

  test("Redis killed and restarted: local delivery goes on, bounded drops, resumed, resubscribed, heard again", async () => {
    const prefix = uniquePrefix();
    const [a, b] = await start(2, prefix);
    const [link, onA, onB] = [b!.inbox(CLUSTER_TOPIC), a!.inbox("room"), b!.inbox("room")];
    for (let i = 0; i < 20; i++) b!.inbox(`more:${i}`);
    await settle([a!, b!]);
    await server.kill();
    await waitFor("interrupted", () => link.events().includes("interrupted"));
    for (let i = 0; i < 1000; i++) a!.pubsub.broadcast("room", "while-down", i); // must not throw or pile up
    expect(onA.got).toHaveLength(1000);
    await waitFor("a reports the drops", () => a!.codes().includes("SB_ERR_PUBSUB_DROPPED"));
    await server.start();
    await waitFor("resumed", () => link.events().includes("resumed"));
    expect(link.events()).toEqual(["interrupted", "resumed"]);
    expect(await channels(prefix)).toBe(21); // room (on both nodes) and more:*, all resubscribed
    // The publisher reconnects on its own schedule: at most once, so send until one arrives.
    let tries = 0;
    await waitFor("b hears a again", () => {
      if (tries++ % 25 === 0) a!.pubsub.broadcast("room", "again", null);
      return onB.events().includes("again");
    });
    expect(onB.events().filter((event) => event === "while-down")).toEqual([]);
    const drops = a!.logs.filter((entry) => entry.obj.code === "SB_ERR_PUBSUB_DROPPED");
    expect(drops.length).toBeLessThanOrEqual(2); // the first drop, then the total: not one line each
  });
});
