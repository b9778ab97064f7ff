// Builds the fastify application that `npm start` serves. For now: the counter demo.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { build, render } from "./switchboard/index.ts";
import { counter, parseCount } from "../live/counter.ts";
import { layout } from "../templates/layout.ts";

export function buildApp(options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify(options);
  app.get("/", async (request, reply) => {
    const count = parseCount((request.query as Record<string, unknown>).count);
    const page = layout({ title: "Switchboard counter", content: counter({ count }) });
    reply.header("cache-control", "no-store").type("text/html; charset=utf-8");
    return `<!DOCTYPE html>${render(build(page))}`;
  });
  return app;
}
