// Builds the fastify application that `npm start` serves. For now: the counter demo as a live view.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { switchboard } from "./switchboard/index.ts";
import { Counter } from "../live/counter.ts";
import { layout } from "../templates/layout.ts";

export interface AppOptions {
  /** Signs sessions and tokens; required in production (SECRET_KEY_BASE). */
  secret?: string;
}

export async function buildApp(options: AppOptions = {}, server: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(server);
  await app.register(switchboard, {
    secret: options.secret ?? process.env.SECRET_KEY_BASE,
    liveRoutes: { "/": Counter },
    layout,
  });
  return app;
}
