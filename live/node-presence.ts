// This server process in Presence on NODES_TOPIC (key = the endpoint's node name, one meta: when it
// started, its pid and host), so the admin lists connected nodes by reading Presence, which keeps
// working unchanged once a cluster adapter merges other nodes' presences in.

import { hostname } from "node:os";
import type { Presence, PresenceList } from "../src/switchboard/index.ts";

export const NODES_TOPIC = "store:nodes";

export interface NodeMeta {
  /** ISO time the node started tracking. */
  readonly startedAt: string;
  readonly pid: number;
  readonly host: string;
}

/** A node as the admin lists it. */
export interface NodeRow extends NodeMeta {
  readonly name: string;
  /** Whether it is the node serving the page. */
  readonly self: boolean;
}

export class NodePresence {
  #presence: Presence | null = null;

  /** Tracks this node in `presence` (the endpoint's); once only. */
  track(presence: Presence): void {
    if (this.#presence) return;
    this.#presence = presence;
    const meta: NodeMeta = { startedAt: new Date().toISOString(), pid: process.pid, host: hostname() };
    presence.track(this, NODES_TOPIC, presence.node, { ...meta });
  }

  /** Ends this node's entry (the app is closing). */
  untrack(): void {
    this.#presence?.untrackAll(this);
    this.#presence = null;
  }
}

/** The nodes in a NODES_TOPIC listing, by name; `self` is this node's name. */
export function nodesIn(list: PresenceList, self: string): NodeRow[] {
  return Object.keys(list)
    .sort()
    .map((name) => {
      const meta = list[name]!.metas[0]!;
      return {
        name,
        self: name === self,
        startedAt: typeof meta.startedAt === "string" ? meta.startedAt : "",
        pid: typeof meta.pid === "number" ? meta.pid : 0,
        host: typeof meta.host === "string" ? meta.host : "",
      };
    });
}

/** Whether two node lists show the same thing (to keep the old one and render nothing new). */
export function sameNodes(a: readonly NodeRow[], b: readonly NodeRow[]): boolean {
  return a.length === b.length && a.every((n, i) => {
    const m = b[i]!;
    return n.name === m.name && n.self === m.self && n.startedAt === m.startedAt && n.pid === m.pid && n.host === m.host;
  });
}
