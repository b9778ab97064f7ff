// What a cluster adapter gives the PubSub: a way to send each broadcast to the other nodes and to
// hear theirs, over an existing engine (PostgreSQL LISTEN/NOTIFY, Redis pub/sub). Delivery between
// nodes is at most once; after an outage the adapter says so, and pages re-read current state.

import type { Logger } from "./endpoint.ts";

/** The PubSub, as an adapter sees it. */
export interface AdapterHost {
  /** This node's name; every envelope carries its sender's. */
  readonly node: string;
  readonly log: Logger;
  /** An envelope published by some node (this one's own included; the host drops those). */
  receive(data: string): void;
  /** The link to the other nodes is down (messages may be lost from now on until `resumed`). */
  interrupted(error: unknown): void;
  /** The link is back and every topic is subscribed again. */
  resumed(): void;
}

export interface ClusterAdapter {
  /** "postgres", "redis": for logs and metrics. */
  readonly name: string;
  /** Connects and starts listening; resolves once broadcasts from other nodes can be heard. */
  start(host: AdapterHost): Promise<void>;
  /** Sends one envelope (a broadcast serialised once) to every node listening on `topic`. */
  publish(topic: string, data: string): void;
  /** This node now has subscribers of `topic` (an adapter that routes per topic subscribes). */
  listen(topic: string): void;
  /** This node has no subscribers of `topic` any more. */
  unlisten(topic: string): void;
  /** Resolves once everything published so far has been handed to the engine. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Node-local topic on which the PubSub tells its subscribers about the cluster link. */
export const CLUSTER_TOPIC = "switchboard:cluster";
/** Event on CLUSTER_TOPIC: the link was lost and is back; messages in between may be lost. */
export const CLUSTER_RESUMED = "resumed";
/** Event on CLUSTER_TOPIC: the link is lost (local delivery goes on). */
export const CLUSTER_INTERRUPTED = "interrupted";
