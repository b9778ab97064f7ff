// Decoding and encoding of Phoenix Channels v2 frames: every malformed input becomes a FrameFault
// with its code and, where the frame got that far, the ref and topic to answer; nothing throws.

import { describe, expect, test } from "vitest";
import { decodeFrame, encodeFrame, isFault, type FrameFault } from "../../src/switchboard/frame.ts";

function fault(text: string): FrameFault {
  const decoded = decodeFrame(text);
  if (!isFault(decoded)) throw new Error(`expected a fault for ${text}`);
  return decoded;
}

describe("decodeFrame", () => {
  test("decodes a well-formed frame into its five parts", () => {
    const decoded = decodeFrame(`["1","2","room:lobby","phx_join",{"a":1}]`);
    expect(isFault(decoded)).toBe(false);
    expect(decoded).toEqual(["1", "2", "room:lobby", "phx_join", { a: 1 }]);
  });

  test("accepts null join_ref and ref", () => {
    expect(decodeFrame(`[null,null,"phoenix","heartbeat",{}]`)).toEqual([null, null, "phoenix", "heartbeat", {}]);
  });

  test.each(["", "[", "not json", `["1","2","t","e",{}`, "{'a':1}"])("text that is not JSON (%j) is SB_ERR_FRAME_JSON", (text) => {
    const f = fault(text);
    expect(f).toMatchObject({ fault: true, code: "SB_ERR_FRAME_JSON", joinRef: null, ref: null, topic: null });
    expect(f.reason).toMatch(/JSON/);
  });

  test.each([
    ["an object", `{"topic":"t"}`],
    ["a string", `"hello"`],
    ["a number", `42`],
    ["null", `null`],
    ["an array of 4", `["1","2","t","e"]`],
    ["an array of 6", `["1","2","t","e",{},1]`],
    ["an empty array", `[]`],
  ])("%s is SB_ERR_FRAME_SHAPE with nothing to answer", (_name, text) => {
    expect(fault(text)).toMatchObject({ code: "SB_ERR_FRAME_SHAPE", joinRef: null, ref: null, topic: null });
  });

  test("a join_ref of the wrong type is a shape fault that still carries ref and topic", () => {
    expect(fault(`[1,"2","room:a","e",{}]`)).toMatchObject({ code: "SB_ERR_FRAME_SHAPE", joinRef: null, ref: "2", topic: "room:a", reason: expect.stringMatching(/join_ref/) });
  });

  test("a ref of the wrong type is a shape fault without a ref", () => {
    expect(fault(`["1",{"x":1},"room:a","e",{}]`)).toMatchObject({ code: "SB_ERR_FRAME_SHAPE", joinRef: "1", ref: null, topic: "room:a", reason: expect.stringMatching(/^ref/) });
  });

  test.each([
    ["a number", `["1","2",5,"e",{}]`],
    ["null", `["1","2",null,"e",{}]`],
    ["empty", `["1","2","","e",{}]`],
    ["too long", JSON.stringify(["1", "2", "t".repeat(513), "e", {}])],
  ])("a topic that is %s is a shape fault without a topic", (_name, text) => {
    expect(fault(text)).toMatchObject({ code: "SB_ERR_FRAME_SHAPE", ref: "2", topic: null, reason: expect.stringMatching(/topic/) });
  });

  test("a topic of 512 characters is accepted", () => {
    expect(isFault(decodeFrame(JSON.stringify(["1", "2", "t".repeat(512), "e", {}])))).toBe(false);
  });

  test.each([
    ["a number", `["1","2","room:a",7,{}]`],
    ["empty", `["1","2","room:a","",{}]`],
    ["too long", JSON.stringify(["1", "2", "room:a", "e".repeat(257), {}])],
  ])("an event that is %s is a shape fault answerable on the topic", (_name, text) => {
    expect(fault(text)).toMatchObject({ code: "SB_ERR_FRAME_SHAPE", joinRef: "1", ref: "2", topic: "room:a", reason: expect.stringMatching(/event/) });
  });

  test.each([
    ["an array", `["1","2","room:a","e",[1]]`],
    ["null", `["1","2","room:a","e",null]`],
    ["a string", `["1","2","room:a","e","x"]`],
    ["a number", `["1","2","room:a","e",3]`],
  ])("a payload that is %s is a shape fault answerable on the topic", (_name, text) => {
    expect(fault(text)).toMatchObject({ code: "SB_ERR_FRAME_SHAPE", ref: "2", topic: "room:a", reason: expect.stringMatching(/payload/) });
  });

  test("never throws, whatever the text", () => {
    for (const text of ["\u0000", "[[[[", "1e999999", `["\\ud800"]`, "[".repeat(10_000)]) {
      expect(() => decodeFrame(text)).not.toThrow();
    }
  });
});

describe("encodeFrame", () => {
  test("encodes the five parts as a JSON array", () => {
    expect(encodeFrame("1", "2", "room:a", "phx_reply", { status: "ok", response: {} })).toBe(`["1","2","room:a","phx_reply",{"status":"ok","response":{}}]`);
  });

  test("round-trips through decodeFrame", () => {
    const text = encodeFrame(null, "9", "lv:phx-1", "event", { value: "a<b>\"c\"" });
    expect(decodeFrame(text)).toEqual([null, "9", "lv:phx-1", "event", { value: "a<b>\"c\"" }]);
  });
});
