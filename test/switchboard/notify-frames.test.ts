// NOTIFY frames: messages cut under the byte limit on character boundaries, every frame unique,
// and put back together whole; malformed frames refused; incomplete sets dropped, never kept.

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { NOTIFY_PAYLOAD_LIMIT, parseFrame, Reassembler, toFrames } from "../../src/switchboard/notify-frames.ts";

function reassembler(timeoutMs = 1000, maxPending = 4, maxSize = 1000) {
  const dropped: string[] = [];
  const r = new Reassembler({ timeoutMs, maxPending, maxSize, onDrop: (id, why) => dropped.push(`${id}: ${why}`) });
  return { r, dropped };
}

const join = (frames: string[]) => {
  const { r } = reassembler(1000, 4, 1 << 30);
  let out: string | null = null;
  for (const frame of frames) out = r.add(parseFrame(frame)!) ?? out;
  return out;
};

describe("toFrames", () => {
  test("a small message is one frame", () => {
    expect(toFrames("n.1", '["a","t","e",1]')).toEqual(['n.1:0:1:["a","t","e",1]']);
  });

  test("a 100 KB message of multi-byte characters is cut under the limit, in bytes, and joins whole", () => {
    const data = JSON.stringify(["node", "t", "e", "€😀ü漢".repeat(8500)]);
    expect(Buffer.byteLength(data)).toBeGreaterThan(90_000);
    const frames = toFrames("abc.z", data);
    expect(frames.length).toBeGreaterThan(10);
    for (const frame of frames) expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(NOTIFY_PAYLOAD_LIMIT);
    expect(new Set(frames).size).toBe(frames.length);
    expect(frames.some((frame) => frame.includes("\ufffd"))).toBe(false);
    expect(join(frames)).toBe(data);
  });

  test("any string survives any limit", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 400 }), fc.integer({ min: 24, max: 200 }), (text, limit) => {
        const data = JSON.stringify(text);
        const frames = toFrames("id.1", data, limit);
        for (const frame of frames) expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(limit);
        expect(join(frames)).toBe(data);
      }),
    );
  });
});

describe("parseFrame", () => {
  test.each(["", "garbage", '["n","t","e",1]', "id:0:1", "id:1:1:x", "id:0:0:x", ":0:1:x", "id:-1:2:x", "id:a:2:x", "id:0:99999:x"])("refuses %j", (payload) => {
    expect(parseFrame(payload)).toBeNull();
  });

  test("keeps colons inside the slice", () => {
    expect(parseFrame("id.7:1:3:a:b:c")).toEqual({ id: "id.7", index: 1, count: 3, slice: "a:b:c" });
  });
});

describe("Reassembler", () => {
  test("drops a set whose frames do not all arrive in time, when the next frame comes", () => {
    const { r, dropped } = reassembler(1000);
    expect(r.add({ id: "a.1", index: 0, count: 2, slice: "x" }, 0)).toBeNull();
    expect(r.add({ id: "a.2", index: 0, count: 2, slice: "y" }, 2000)).toBeNull();
    expect(dropped).toEqual(["a.1: its frames did not all arrive within 1000 ms"]);
    expect(r.add({ id: "a.1", index: 1, count: 2, slice: "x" }, 2001)).toBeNull();
    expect(r.add({ id: "a.2", index: 1, count: 2, slice: "z" }, 2002)).toBe("yz");
  });

  test("keeps a bounded number of incomplete sets", () => {
    const { r, dropped } = reassembler(60_000, 2);
    for (let i = 0; i < 5; i++) r.add({ id: `m.${i}`, index: 0, count: 3, slice: "." });
    expect(r.size).toBe(2);
    expect(dropped).toHaveLength(3);
    r.clear();
    expect(r.size).toBe(0);
    expect(dropped).toHaveLength(5);
  });

  test("holds a bounded number of characters in incomplete sets", () => {
    const { r, dropped } = reassembler(60_000, 100, 10);
    r.add({ id: "m.1", index: 0, count: 2, slice: "123456" });
    r.add({ id: "m.2", index: 0, count: 2, slice: "123456" });
    expect(dropped).toEqual(["m.1: incomplete messages held more than 10 characters"]);
    expect(r.add({ id: "m.2", index: 1, count: 2, slice: "78" })).toBe("12345678");
    r.add({ id: "m.3", index: 0, count: 2, slice: "123456789" });
    expect(r.size).toBe(1);
  });

  test("ignores a repeated frame", () => {
    const { r } = reassembler();
    expect(r.add({ id: "a.1", index: 0, count: 2, slice: "x" })).toBeNull();
    expect(r.add({ id: "a.1", index: 0, count: 2, slice: "x" })).toBeNull();
    expect(r.add({ id: "a.1", index: 1, count: 2, slice: "y" })).toBe("xy");
  });
});
