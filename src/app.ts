// Builds the fastify application that `npm start` serves: Sneakers23's store opened from
// configuration (migrated, seeded when empty, its inventory loaded), its pages as live routes on
// the store's PubSub, the stylesheet and images, the admin's credentials check, and the local
// endpoint the store CLI talks to. Closing the app closes all of it.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import fastifyStatic from "@fastify/static";
import type { FastifyRequest } from "fastify";
import { fileURLToPath } from "node:url";
import { randomId, switchboard, type Limits } from "./switchboard/index.ts";
import { clusterPubSub, describeLink } from "./store/cluster-pubsub.ts";
import { isAdmin, requireAdmin } from "./store/admin-auth.ts";
import { registerCliEndpoint } from "./store/cli-endpoint.ts";
import { readConfig, type StoreConfig } from "./store/config.ts";
import { claimFolder, type FolderClaim } from "./store/server-file.ts";
import { isMemoryDir, openStore, type Store } from "./store/store.ts";
import { storePages, type StorePages } from "../live/routes.ts";
import { layout } from "../templates/layout.ts";

export interface AppOptions {
  /** Signs sessions and tokens; required in production (SECRET_KEY_BASE). */
  secret?: string;
  /** Overrides of the store's configuration from the environment; tests pass { dataDir: "memory://" }. */
  store?: Partial<StoreConfig>;
  /** The framework's connection limits (rate, frame size, idle timeout, send buffer); defaults otherwise. */
  limits?: Partial<Limits>;
}

declare module "fastify" {
  interface FastifyInstance {
    store: Store;
  }
}

export async function buildApp(options: AppOptions = {}, server: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(server);
  const config = { ...readConfig(), ...options.store };
  // The embedded database's folder belongs to this process from before it is opened until after
  // it is closed; the store CLI reads DATA_DIR/server.json to reach the server instead.
  const claim = config.databaseUrl || isMemoryDir(config.dataDir) ? null : claimFolder(config.dataDir);
  // Linked to the other nodes (PUBSUB) before the store opens, so no committed change is missed.
  const pubsub = clusterPubSub(config, { node: config.nodeName, log: app.log, onError: (err, message) => app.log.error({ err, topic: message.topic }, "a subscriber failed") });
  let store: Store;
  try {
    await pubsub.start();
    store = await openStore({ config, pubsub, seed: true, log: app.log });
  } catch (error) {
    await pubsub.stop().catch(() => {});
    claim?.release();
    throw error;
  }
  app.log.info(`store: ${describe(config)}, ${store.inventory.products().length} products; ${describeLink(config)}; node ${pubsub.node}`);
  app.decorate("store", store);
  const pages = storePages(store);
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      pages.clock.stop();
      pages.node.untrack();
      try {
        await store.close();
      } finally {
        await pubsub.stop().catch((err) => app.log.warn({ err }, "the cluster link did not close cleanly"));
        claim?.release();
      }
    })());
  app.addHook("onClose", close);
  try {
    const token = await registerPages(app, { options, config, store, pages });
    if (claim) app.addHook("onListen", async () => claim.publish((app.server.address() as AddressInfo).port, token));
  } catch (error) {
    await close();
    throw error;
  }
  return app;
}

interface Parts {
  readonly options: AppOptions;
  readonly config: StoreConfig;
  readonly store: Store;
  readonly pages: StorePages;
}

/** Registers the store's routes; returns the token of the CLI's local endpoint. */
async function registerPages(app: FastifyInstance, { options, config, store, pages }: Parts): Promise<string> {
  const admin = requireAdmin(config);
  app.addHook("onRoute", (route) => {
    if (route.url === ADMIN_PATH) route.preHandler = [admin];
  });
  await app.register(switchboard, {
    secret: options.secret ?? process.env.SECRET_KEY_BASE,
    production: config.production,
    pubsub: store.pubsub,
    liveRoutes: pages.routes,
    layout,
    title: "Sneakers23",
    ...(options.limits ? { limits: options.limits } : {}),
    // The shopper's cart id lives in the signed session cookie from the first page view on.
    initSession: () => ({ cartId: randomId(18) }),
    // Only a page served after the credentials check carries { admin: true } to its live join.
    liveSession: (request: FastifyRequest) => (isAdminPage(request) && isAdmin(request, config) ? { admin: true } : {}),
  });
  // The admin lists connected nodes from Presence; this one is tracked until the app closes.
  pages.node.track(app.switchboard.presence);
  await app.register(fastifyStatic, { root: STATIC_ROOT, wildcard: false, maxAge: "1h" });
  const token = randomBytes(32).toString("base64url");
  registerCliEndpoint(app, { store, token });
  await app.after();
  return token;
}

const ADMIN_PATH = "/admin";
const STATIC_ROOT = fileURLToPath(new URL("../templates/static/", import.meta.url));

function isAdminPage(request: FastifyRequest): boolean {
  return request.routeOptions.url === ADMIN_PATH;
}

function describe(config: StoreConfig): string {
  if (config.databaseUrl) return `PostgreSQL at ${new URL(config.databaseUrl).host}`;
  return isMemoryDir(config.dataDir) ? "embedded database in memory" : `embedded database in ${config.dataDir}`;
}
