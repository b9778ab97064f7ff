// The store's PubSub as the configuration asks for it: in process, or linked to the other nodes
// through PostgreSQL's LISTEN/NOTIFY or Redis pub/sub. Whoever builds it starts and stops it.

import { postgresAdapter } from "../switchboard/postgres-adapter.ts";
import { redisAdapter } from "../switchboard/redis-adapter.ts";
import type { Logger } from "../switchboard/endpoint.ts";
import { PubSub, type Message } from "../switchboard/pubsub.ts";
import type { StoreConfig } from "./config.ts";

export interface ClusterPubSubOptions {
  readonly log?: Logger;
  readonly onError?: (error: unknown, message: Message) => void;
  /** This node's name (default: random). */
  readonly node?: string;
}

export function clusterPubSub(config: Pick<StoreConfig, "pubsub" | "databaseUrl" | "redisUrl" | "pubsubPrefix">, options: ClusterPubSubOptions = {}): PubSub {
  const adapter =
    config.pubsub === "postgres"
      ? postgresAdapter({ url: config.databaseUrl!, prefix: config.pubsubPrefix })
      : config.pubsub === "redis"
        ? redisAdapter({ url: config.redisUrl, prefix: config.pubsubPrefix })
        : undefined;
  return new PubSub({ ...options, adapter });
}

/** What the log says about the link: "in process", "PostgreSQL LISTEN/NOTIFY", "Redis at host". */
export function describeLink(config: Pick<StoreConfig, "pubsub" | "redisUrl" | "pubsubPrefix">): string {
  if (config.pubsub === "postgres") return `PubSub on PostgreSQL LISTEN/NOTIFY (prefix ${config.pubsubPrefix})`;
  if (config.pubsub === "redis") return `PubSub on Redis at ${new URL(config.redisUrl).host} (prefix ${config.pubsubPrefix})`;
  return "PubSub in process";
}
