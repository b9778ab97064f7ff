// This node in Presence for the admin's node list: tracked once under its node name with when it
// started, its pid and host; listed by name with the serving node marked; gone when untracked.

import { expect, test } from "vitest";
import { NODES_TOPIC, NodePresence, nodesIn, sameNodes } from "../../live/node-presence.ts";
import { Presence, PRESENCE_DIFF, PubSub, type PresenceDiff } from "../../src/switchboard/index.ts";

test("tracks the node once under its name, announces it, and untracks it", () => {
  const pubsub = new PubSub();
  const presence = new Presence(pubsub, "node-a");
  const diffs: PresenceDiff[] = [];
  pubsub.subscribe(NODES_TOPIC, { deliver: (m) => void (m.event === PRESENCE_DIFF && diffs.push(m.payload as PresenceDiff)) });
  const node = new NodePresence();
  node.track(presence);
  node.track(presence);
  const list = presence.list(NODES_TOPIC);
  expect(Object.keys(list)).toEqual(["node-a"]);
  expect(list["node-a"]!.metas).toHaveLength(1);
  expect(list["node-a"]!.metas[0]).toMatchObject({ pid: process.pid, startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  expect(Object.keys(diffs[0]!.joins)).toEqual(["node-a"]);
  node.untrack();
  expect(presence.list(NODES_TOPIC)).toEqual({});
  expect(Object.keys(diffs[1]!.leaves)).toEqual(["node-a"]);
  node.untrack(); // twice is harmless
});

test("nodesIn lists nodes by name, marks this one, and tolerates odd metadata", () => {
  const rows = nodesIn(
    {
      "node-b": { metas: [{ startedAt: "2030-01-01T00:00:00.000Z", pid: 7, host: "b", phx_ref: "1" }] },
      "node-a": { metas: [{ pid: "nope", phx_ref: "2" }] },
    },
    "node-b",
  );
  expect(rows).toEqual([
    { name: "node-a", self: false, startedAt: "", pid: 0, host: "" },
    { name: "node-b", self: true, startedAt: "2030-01-01T00:00:00.000Z", pid: 7, host: "b" },
  ]);
  expect(sameNodes(rows, rows.map((row) => ({ ...row })))).toBe(true);
  expect(sameNodes(rows, [rows[0]!])).toBe(false);
  expect(sameNodes(rows, [rows[0]!, { ...rows[1]!, pid: 8 }])).toBe(false);
});
