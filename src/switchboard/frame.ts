// Decoding and encoding of Phoenix Channels v2 frames. Decoding never throws: a frame that is not
// valid JSON or not of the shape [join_ref, ref, topic, event, payload] becomes a FrameFault that
// says what was wrong and, where the frame got that far, which ref and topic to answer.

import type { Frame } from "./protocol.ts";

export interface FrameFault {
  readonly fault: true;
  readonly code: "SB_ERR_FRAME_JSON" | "SB_ERR_FRAME_SHAPE";
  readonly reason: string;
  readonly joinRef: string | null;
  readonly ref: string | null;
  readonly topic: string | null;
}

const isRef = (x: unknown): x is string | null => x === null || typeof x === "string";

export function decodeFrame(text: string): Frame | FrameFault {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fault("SB_ERR_FRAME_JSON", "the message is not valid JSON");
  }
  if (!Array.isArray(value) || value.length !== 5) {
    return fault("SB_ERR_FRAME_SHAPE", "expected an array of 5 elements [join_ref, ref, topic, event, payload]");
  }
  const [joinRef, ref, topic, event, payload] = value as unknown[];
  const validTopic = typeof topic === "string" && topic.length > 0 && topic.length <= 512;
  const at = {
    joinRef: isRef(joinRef) ? joinRef : null,
    ref: isRef(ref) ? ref : null,
    // An invalid topic is never echoed back: such faults are answered on topic "phoenix".
    topic: validTopic ? topic : null,
  };
  if (!isRef(joinRef)) return fault("SB_ERR_FRAME_SHAPE", "join_ref must be a string or null", at);
  if (!isRef(ref)) return fault("SB_ERR_FRAME_SHAPE", "ref must be a string or null", at);
  if (!validTopic) {
    return fault("SB_ERR_FRAME_SHAPE", "topic must be a non-empty string of at most 512 characters", at);
  }
  if (typeof event !== "string" || event.length === 0 || event.length > 256) {
    return fault("SB_ERR_FRAME_SHAPE", "event must be a non-empty string of at most 256 characters", at);
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return fault("SB_ERR_FRAME_SHAPE", "payload must be a JSON object", at);
  }
  return [joinRef, ref, topic, event, payload as Record<string, unknown>];
}

export function isFault(x: Frame | FrameFault): x is FrameFault {
  return !Array.isArray(x);
}

function fault(code: FrameFault["code"], reason: string, at = { joinRef: null, ref: null, topic: null } as Pick<FrameFault, "joinRef" | "ref" | "topic">): FrameFault {
  return { fault: true, code, reason, ...at };
}

export function encodeFrame(joinRef: string | null, ref: string | null, topic: string, event: string, payload: unknown): string {
  return JSON.stringify([joinRef, ref, topic, event, payload]);
}
