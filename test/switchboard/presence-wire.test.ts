// The presence wire format's validation: well-formed messages parse (copied, extra fields left
// behind), and anything else is refused whole with a reason that says what was wrong.

import { describe, expect, test } from "vitest";
import { parseSyncMessage } from "../../src/switchboard/presence-wire.ts";

const from = { node: "a", run: "r1" };
const entry = { topic: "room", key: "ada", ref: "x1", meta: { path: "/" } };

describe("parseSyncMessage", () => {
  test("parses each event, keeping only the fields of the format", () => {
    expect(parseSyncMessage("delta", { ...from, seq: 3, joins: [{ ...entry, owner: "?" }], leaves: [{ topic: "room", ref: "x0", key: "k" }], extra: 1 }, 10)).toEqual({
      message: { type: "delta", ...from, seq: 3, joins: [entry], leaves: [{ topic: "room", ref: "x0" }] },
    });
    expect(parseSyncMessage("heartbeat", { ...from, seq: 0 }, 10)).toEqual({ message: { type: "heartbeat", ...from, seq: 0 } });
    expect(parseSyncMessage("state", { ...from, seq: 2, entries: [entry] }, 10)).toEqual({ message: { type: "state", ...from, seq: 2, entries: [entry] } });
    expect(parseSyncMessage("sync", { ...from, target: null }, 10)).toEqual({ message: { type: "sync", ...from, target: null } });
    expect(parseSyncMessage("sync", { ...from, target: "b" }, 10)).toEqual({ message: { type: "sync", ...from, target: "b" } });
    expect(parseSyncMessage("goodbye", from, 10)).toEqual({ message: { type: "goodbye", ...from } });
  });

  test.each([
    ["delta", "x", /payload is a string of 1 characters, not an object/],
    ["delta", { ...from, run: "", seq: 1, joins: [], leaves: [] }, /run is a string of 0 characters/],
    ["delta", { ...from, node: "n".repeat(257), seq: 1, joins: [], leaves: [] }, /node is a string of 257 characters/],
    ["delta", { ...from, seq: Number.MAX_SAFE_INTEGER + 2, joins: [], leaves: [] }, /seq is the number .* not a non-negative integer/],
    ["delta", { ...from, seq: 1, joins: [], leaves: null }, /leaves is null, not an array/],
    ["delta", { ...from, seq: 1, joins: [entry, entry], leaves: [entry] }, /leaves has 1 items, more than the 0 a message may carry/],
    ["delta", { ...from, seq: 1, joins: [{ ...entry, topic: 7 }], leaves: [] }, /joins\[0\]\.topic is the number 7, not a string/],
    ["delta", { ...from, seq: 1, joins: [{ ...entry, meta: null }], leaves: [] }, /joins\[0\]\.meta is null, not an object/],
    ["state", { ...from, seq: 1, entries: [entry, entry, entry] }, /entries has 3 items, more than the 2/],
    ["state", { ...from, seq: 1, entries: [{ ...entry, ref: "r".repeat(1025) }] }, /entries\[0\]\.ref is a string of 1025 characters/],
    ["heartbeat", { ...from }, /seq is undefined/],
    ["sync", { ...from }, /target is undefined/],
    ["hello", { ...from }, /the event "hello" is not one of/],
  ])("refuses %s %j", (event, payload, why) => {
    const result = parseSyncMessage(event, payload, 2);
    expect(result).toEqual({ error: expect.stringMatching(why) });
  });
});
