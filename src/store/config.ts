// The store's configuration, read once from the environment. Secrets have development defaults
// only outside production; in production a missing one stops the start with a clear message.

export interface StoreConfig {
  /** PostgreSQL URL; unset means the embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  /** Where PGlite keeps its files (DATA_DIR, default ".data"). */
  dataDir: string;
  /** Items one cart may hold (MAX_CART_ITEMS, default 2: the launch rule against scalpers). */
  maxCartItems: number;
  /**
   * How nodes hear each other (PUBSUB): "postgres" (LISTEN/NOTIFY on DATABASE_URL, the default
   * with PostgreSQL), "redis" (REDIS_URL), or "local" (one process; the default on PGlite).
   */
  pubsub: PubSubKind;
  /** REDIS_URL (default redis://127.0.0.1:6379) for PUBSUB=redis. */
  redisUrl: string;
  /** PUBSUB_PREFIX: the cluster's channel prefix; deployments sharing a server need their own. */
  pubsubPrefix: string;
  /** NODE_NAME: this node's name in the cluster (default: random), shown on the admin page. */
  nodeName: string | undefined;
  adminUser: string;
  adminPassword: string;
  production: boolean;
}

export type PubSubKind = "local" | "postgres" | "redis";
const pubsubKinds: readonly PubSubKind[] = ["local", "postgres", "redis"];

export function readConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const production = env.NODE_ENV === "production";
  const maxCartItems = env.MAX_CART_ITEMS === undefined ? 2 : Number(env.MAX_CART_ITEMS);
  if (!Number.isInteger(maxCartItems) || maxCartItems < 1) {
    throw new Error(`MAX_CART_ITEMS must be a whole number of at least 1; received ${JSON.stringify(env.MAX_CART_ITEMS)}`);
  }
  const adminUser = env.ADMIN_USER ?? (production ? undefined : "admin");
  const adminPassword = env.ADMIN_PASSWORD ?? (production ? undefined : "admin");
  if (!adminUser || !adminPassword) throw new Error("ADMIN_USER and ADMIN_PASSWORD must be set in production (NODE_ENV=production)");
  if (production && adminUser === "admin" && adminPassword === "admin") throw new Error("the development admin credentials (admin/admin) are refused in production");
  const databaseUrl = env.DATABASE_URL || undefined;
  const pubsub = (env.PUBSUB || (databaseUrl ? "postgres" : "local")) as PubSubKind;
  if (!pubsubKinds.includes(pubsub)) throw new Error(`PUBSUB must be one of ${pubsubKinds.join(", ")}; received ${JSON.stringify(env.PUBSUB)}`);
  if (pubsub === "postgres" && !databaseUrl) throw new Error("PUBSUB=postgres needs DATABASE_URL: the nodes' LISTEN/NOTIFY runs on their shared PostgreSQL");
  const pubsubPrefix = env.PUBSUB_PREFIX ?? "sneakers23";
  if (!/^[a-z0-9_]{1,40}$/.test(pubsubPrefix)) throw new Error(`PUBSUB_PREFIX must be 1 to 40 lowercase letters, digits or _; received ${JSON.stringify(pubsubPrefix)}`);
  return {
    databaseUrl,
    pubsub,
    redisUrl: env.REDIS_URL || "redis://127.0.0.1:6379",
    pubsubPrefix,
    nodeName: env.NODE_NAME || undefined,
    dataDir: env.DATA_DIR ?? ".data",
    maxCartItems,
    adminUser,
    adminPassword,
    production,
  };
}
