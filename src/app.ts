// Builds the fastify application that `npm start` serves: the live routes (for now the counter
// demo), and Sneakers23's store opened from configuration (migrated, seeded when empty, its
// inventory loaded) with the local endpoint the store CLI talks to. Closing the app closes both.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { switchboard } from "./switchboard/index.ts";
import { registerCliEndpoint } from "./store/cli-endpoint.ts";
import { readConfig, type StoreConfig } from "./store/config.ts";
import { claimFolder, type FolderClaim } from "./store/server-file.ts";
import { isMemoryDir, openStore, type Store } from "./store/store.ts";
import { Counter } from "../live/counter.ts";
import { layout } from "../templates/layout.ts";

export interface AppOptions {
  /** Signs sessions and tokens; required in production (SECRET_KEY_BASE). */
  secret?: string;
  /** Overrides of the store's configuration from the environment; tests pass { dataDir: "memory://" }. */
  store?: Partial<StoreConfig>;
}

declare module "fastify" {
  interface FastifyInstance {
    store: Store;
  }
}

export async function buildApp(options: AppOptions = {}, server: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(server);
  await app.register(switchboard, {
    secret: options.secret ?? process.env.SECRET_KEY_BASE,
    liveRoutes: { "/": Counter },
    layout,
  });
  const config = { ...readConfig(), ...options.store };
  // The embedded database's folder belongs to this process from before it is opened until after
  // it is closed; the store CLI reads DATA_DIR/server.json to reach the server instead.
  const claim = config.databaseUrl || isMemoryDir(config.dataDir) ? null : claimFolder(config.dataDir);
  let store: Store;
  try {
    store = await openStore({ config, pubsub: app.switchboard.pubsub, seed: true, log: app.log });
  } catch (error) {
    claim?.release();
    throw error;
  }
  app.log.info(`store: ${describe(config)}, ${store.inventory.products().length} products`);
  app.decorate("store", store);
  app.addHook("onClose", async () => {
    try {
      await store.close();
    } finally {
      claim?.release();
    }
  });
  const token = randomBytes(32).toString("base64url");
  registerCliEndpoint(app, { store, token });
  if (claim) app.addHook("onListen", async () => claim.publish((app.server.address() as AddressInfo).port, token));
  return app;
}

function describe(config: StoreConfig): string {
  if (config.databaseUrl) return `PostgreSQL at ${new URL(config.databaseUrl).host}`;
  return isMemoryDir(config.dataDir) ? "embedded database in memory" : `embedded database in ${config.dataDir}`;
}
