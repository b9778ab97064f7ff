// The wire format of rendered diffs: the one definition imported by the server, the browser client
// and the test harness. docs/protocol.md has a worked example of every case below.
//
// A rendered node travels as an object whose numeric keys "0", "1", … are its dynamic slots in
// order, plus `s`, the statics it is rendered with. Statics are split once per template and
// travel once per connection: the first time a template is needed its statics are sent in the
// diff's root table `p` under a small id ({"p": {"3": ["<b>", "</b>"]}}), and every node that
// uses them says `"s": 3`. The client keeps `p` for the connection's lifetime, so later diffs
// never resend statics. (An inline array `"s": ["<b>", "</b>"]` is accepted too.)
//
// A slot is one of:
//   "text"                     already-escaped HTML (a text value, or a whole attribute ` a="v"`);
//   {"s": …, "0": …}           a node: with `s` it replaces what was there;
//   {"0": …}                   a partial node: only the slots listed changed, merged recursively;
//   {"k": {…, "kc": n}}        a list of n entries (see below);
//   7                          a number: the stateful component with id 7, kept in the root's `c`.
//
// Lists are keyed. In `k`, entry i of the new list is one of:
//   absent                     the entry at index i is unchanged;
//   {"s": …, …}                a new entry (rendered in full);
//   {"0": …}                   the entry at index i, with these slot changes;
//   5                          the entry that was at old index 5, moved here unchanged;
//   [5, {"0": …}]              the entry that was at old index 5, moved here with changes.
// `kc` is the new length; entries past it are dropped. Old indexes always refer to the list as
// it was before this diff.
//
// At the root, besides the root node's own keys: `p` (statics table), `c` (component nodes by
// id, each merged like a node), `cr` (ids of components removed: the client drops them), `t`
// (new page title) and `e` (pushed events, [[name, payload]]).
// Replies to client pushes travel beside the diff, not inside it.

export const STATICS = "s";
export const KEYED = "k";
export const KEYED_COUNT = "kc";
export const TEMPLATES = "p";
export const COMPONENTS = "c";
export const REMOVED_COMPONENTS = "cr";
export const TITLE = "t";
export const EVENTS = "e";

/** A node or partial node on the wire: numeric slot keys, optional statics. */
export interface WireNode {
  s?: number | string[];
  [slot: number]: WireDyn;
}

export interface WireList {
  k: { kc: number; [index: number]: WireEntry };
}

export type WireEntry = WireNode | number | [number, WireNode];
export type WireDyn = string | number | WireNode | WireList;

/** A whole diff: the root node's keys plus the root-only keys. */
export interface WireDiff extends WireNode {
  p?: Record<number, string[]>;
  c?: Record<number, WireNode>;
  cr?: number[];
  t?: string;
  e?: [string, unknown][];
}

// ---- Messages: the Phoenix Channels v2 JSON protocol ----------------------------------------
//
// Every websocket (or long-poll) message is a JSON array [join_ref, ref, topic, event, payload]:
// join_ref and ref are strings or null, topic and event strings, payload an object. A client
// joins a topic with phx_join and gets phx_reply {status: "ok" | "error", response}; phx_leave
// ends the join; the server sends phx_error when a channel crashes and phx_close when it ends.
// Heartbeats go to topic "phoenix". Live views are channels on topics "lv:<view id>".

export const PROTOCOL_VERSION = "2.0.0";
export const PHOENIX_TOPIC = "phoenix";
export const LIVE_TOPIC_PREFIX = "lv:";

export const JOIN = "phx_join";
export const LEAVE = "phx_leave";
export const REPLY = "phx_reply";
export const ERROR = "phx_error";
export const CLOSE = "phx_close";
export const HEARTBEAT = "heartbeat";

/** Live view messages (server → client unless noted). */
export const LIVE = {
  /** client → server: a DOM event; payload {type, event, value, cid?}. */
  event: "event",
  /** client → server: the URL changed through a patch link or back/forward; payload {url}. */
  patchUrl: "live_patch",
  /** a diff pushed outside any reply. */
  diff: "diff",
  /** update the URL of the same view: {to, kind: "push" | "replace"}. */
  patch: "live_patch",
  /** go to another live view over the same socket: {to, kind, flash?}. */
  navigate: "live_redirect",
  /** full page load: {to, flash?}. */
  redirect: "redirect",
} as const;

/** Keys of a live event's reply payload: the diff, and the handler's reply beside it. */
export const REPLY_DIFF = "diff";
export const REPLY_VALUE = "reply";

export type Frame = [joinRef: string | null, ref: string | null, topic: string, event: string, payload: Record<string, unknown>];
