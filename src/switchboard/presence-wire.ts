// The wire format of Presence across nodes, and its validation: what one node's PresenceSync says
// to the others on PRESENCE_SYNC_TOPIC, and how a message heard from the cluster is checked before
// it touches the local view (anything malformed is refused whole, with the reason).
//
// Every message is a broadcast on "switchboard:presence" (event → payload):
//   delta     { node, run, seq, joins: WireEntry[], leaves: WireLeave[] }  this tick's changes
//   heartbeat { node, run, seq }                    every second: alive, and at delta `seq`
//   state     { node, run, seq, entries: WireEntry[] }  the node's own entries, as of delta `seq`
//   sync      { node, run, target }                 asks `target` (every node when null) for its state
//   goodbye   { node, run }                         a clean stop: drop my entries now
// WireEntry is { topic, key, ref, meta } and WireLeave { topic, ref }: entries travel without their
// node (the sender's) or owner. `run` names one start of a node (random), so that a node restarted
// under the same name starts afresh; `seq` counts the run's deltas from 1 (0: none yet), so a
// receiver that sees seq jump, or a heartbeat ahead of what it holds, asks for the state.

import type { Meta } from "./presence.ts";

export const PRESENCE_SYNC_TOPIC = "switchboard:presence";

export interface WireEntry {
  readonly topic: string;
  readonly key: string;
  readonly ref: string;
  readonly meta: Meta;
}
export interface WireLeave {
  readonly topic: string;
  readonly ref: string;
}

interface From {
  readonly node: string;
  readonly run: string;
}
export type SyncMessage =
  | (From & { readonly type: "delta"; readonly seq: number; readonly joins: WireEntry[]; readonly leaves: WireLeave[] })
  | (From & { readonly type: "heartbeat"; readonly seq: number })
  | (From & { readonly type: "state"; readonly seq: number; readonly entries: WireEntry[] })
  | (From & { readonly type: "sync"; readonly target: string | null })
  | (From & { readonly type: "goodbye" });
export type SyncEvent = SyncMessage["type"];

const MAX_NAME = 256;
const MAX_FIELD = 1024;

/** A message from the cluster, checked: the message (copied, nothing extra kept), or why it is refused. */
export function parseSyncMessage(event: string, payload: unknown, maxEntries: number): { message: SyncMessage } | { error: string } {
  try {
    return { message: parse(event, payload, maxEntries) };
  } catch (error) {
    if (error instanceof Refused) return { error: error.message };
    throw error;
  }
}

class Refused extends Error {}

function parse(event: string, payload: unknown, maxEntries: number): SyncMessage {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw new Refused(`the payload is ${kind(payload)}, not an object`);
  const p = payload as Record<string, unknown>;
  const from: From = { node: name(p.node, "node"), run: name(p.run, "run") };
  switch (event) {
    case "delta": {
      const joins = list(p.joins, "joins", maxEntries, entry);
      const leaves = list(p.leaves, "leaves", maxEntries - joins.length, leave);
      return { type: "delta", ...from, seq: seq(p.seq), joins, leaves };
    }
    case "heartbeat":
      return { type: "heartbeat", ...from, seq: seq(p.seq) };
    case "state":
      return { type: "state", ...from, seq: seq(p.seq), entries: list(p.entries, "entries", maxEntries, entry) };
    case "sync":
      return { type: "sync", ...from, target: p.target === null ? null : name(p.target, "target") };
    case "goodbye":
      return { type: "goodbye", ...from };
    default:
      throw new Refused(`the event ${JSON.stringify(event.slice(0, 40))} is not one of delta, heartbeat, state, sync, goodbye`);
  }
}

function name(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "" || value.length > MAX_NAME) throw new Refused(`${what} is ${kind(value)}, not a string of 1 to ${MAX_NAME} characters`);
  return value;
}

function field(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "" || value.length > MAX_FIELD) throw new Refused(`${what} is ${kind(value)}, not a string of 1 to ${MAX_FIELD} characters`);
  return value;
}

function seq(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new Refused(`seq is ${kind(value)}, not a non-negative integer`);
  return value;
}

function list<T>(value: unknown, what: string, max: number, item: (value: unknown, what: string) => T): T[] {
  if (!Array.isArray(value)) throw new Refused(`${what} is ${kind(value)}, not an array`);
  if (value.length > max) throw new Refused(`${what} has ${value.length} items, more than the ${Math.max(0, max)} a message may carry`);
  return value.map((v, i) => item(v, `${what}[${i}]`));
}

function entry(value: unknown, what: string): WireEntry {
  const { topic, ref } = leave(value, what);
  const e = value as Record<string, unknown>;
  const meta = e.meta;
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) throw new Refused(`${what}.meta is ${kind(meta)}, not an object`);
  return { topic, key: field(e.key, `${what}.key`), ref, meta: meta as Meta };
}

function leave(value: unknown, what: string): WireLeave {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Refused(`${what} is ${kind(value)}, not an object`);
  const e = value as Record<string, unknown>;
  return { topic: field(e.topic, `${what}.topic`), ref: field(e.ref, `${what}.ref`) };
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `a string of ${value.length} characters`;
  if (typeof value === "number") return `the number ${value}`;
  return typeof value === "object" ? "an object" : typeof value;
}
