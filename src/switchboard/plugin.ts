// The fastify plugin: mounts live routes (the HTTP render of each view inside the layout), the
// websocket endpoint speaking Phoenix Channels v2, and the session cookie. Options are checked at
// registration; from then on nothing a client sends can throw out of a handler.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fastifyCookie from "@fastify/cookie";
import fastifyWebsocket from "@fastify/websocket";
import fp from "fastify-plugin";
import type { WebSocket } from "ws";
import { CloseCode, type ConnectInfo } from "./connection.ts";
import { Endpoint, type EndpointOptions } from "./endpoint.ts";
import { sbError } from "./errors.ts";
import { raw, RawHTML } from "./escape.ts";
import { LiveInstance } from "./live-instance.ts";
import type { LiveView } from "./live-view.ts";
import { queryParams } from "./params.ts";
import { build } from "./rendered.ts";
import { render } from "./render.ts";
import { csrfToken, FLASH_COOKIE, liveToken, newSession, readFlash, readSession, sessionCookie, type CookieSession } from "./session.ts";
import { html, type TemplateResult } from "./template.ts";
import { randomId } from "./token.ts";

export interface LayoutProps {
  readonly title: string;
  readonly csrfToken: string;
  /** The client's script tag (and any others the framework needs). */
  readonly scripts: RawHTML;
  /** The live view's container with its first render. */
  readonly content: RawHTML;
  readonly request: FastifyRequest;
}

export type Layout = (props: LayoutProps) => TemplateResult;

export interface SwitchboardOptions extends EndpointOptions {
  /** Path → live view. */
  liveRoutes?: Record<string, LiveView<any, any>>;
  layout?: Layout;
  /** The page title when a view sets none. */
  title?: string;
  /** Session data for a browser that has no session yet (e.g. a new cart id). */
  initSession?: (request: FastifyRequest) => Record<string, unknown>;
  /** Origins allowed to open the websocket (default: the request's own host, http or https). */
  origins?: readonly string[];
  /** Where the client script is served. */
  clientScript?: string;
  /** Websocket path (default "/live/websocket"). */
  socketPath?: string;
}

declare module "fastify" {
  interface FastifyInstance {
    switchboard: Endpoint;
  }
}

export const defaultLayout: Layout = ({ title, csrfToken, scripts, content }) => html`
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="csrf-token" content=${csrfToken} />
      <title>${title}</title>
      ${scripts}
    </head>
    <body>${content}</body>
  </html>`;

async function plugin(app: FastifyInstance, options: SwitchboardOptions): Promise<void> {
  const endpoint = new Endpoint({ log: app.log, ...options });
  const layout = options.layout ?? defaultLayout;
  if (typeof layout !== "function") throw sbError("SB_ERR_OPTION", "layout", "a function (props) => html`...`", typeof layout);
  const initSession = options.initSession ?? (() => ({}));
  const socketPath = options.socketPath ?? "/live/websocket";
  const clientScript = options.clientScript ?? "/assets/switchboard.js";
  const scripts = raw(`<script defer src="${clientScript}"></script>`);
  app.decorate("switchboard", endpoint);
  if (!app.hasDecorator("parseCookie")) await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: endpoint.limits.maxFrameBytes } });

  const secureCookies = endpoint.production;
  function loadSession(request: FastifyRequest, reply: FastifyReply): CookieSession {
    const existing = readSession(endpoint, request.cookies[endpoint.session.cookie]);
    if (existing) return existing;
    const session = newSession(initSession(request));
    reply.setCookie(endpoint.session.cookie, sessionCookie(endpoint, session), {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: secureCookies,
      maxAge: Math.floor(endpoint.session.maxAgeMs / 1000),
    });
    // Later code in this request (and the websocket check) sees the new cookie.
    request.cookies[endpoint.session.cookie] = sessionCookie(endpoint, session);
    return session;
  }

  async function liveRender(request: FastifyRequest, reply: FastifyReply, view: LiveView<any, any>, pathParams: Record<string, string>) {
    const session = loadSession(request, reply);
    const flash = readFlash(endpoint, request.cookies[FLASH_COOKIE]);
    if (request.cookies[FLASH_COOKIE]) reply.clearCookie(FLASH_COOKIE, { path: "/" });
    const url = new URL(request.url, `${request.protocol}://${request.host}`);
    const id = `phx-${randomId(9)}`;
    const instance = new LiveInstance(endpoint, view, { id, session: session.data, url, flash, host: null });
    const started = performance.now();
    await instance.mount({ ...queryParams(url), ...pathParams });
    if (instance.navigation) return reply.redirect(instance.navigation.to);
    const content = instance.html();
    const container = `<div id="${id}" data-phx-main data-phx-session="${liveToken(endpoint, session)}">${content}</div>`;
    const page = layout({
      title: instance.title ?? options.title ?? "Switchboard",
      csrfToken: csrfToken(endpoint, session),
      scripts,
      content: raw(container),
      request,
    });
    endpoint.metrics.time("dead_render", performance.now() - started);
    reply.header("cache-control", "no-store").type("text/html; charset=utf-8");
    return `<!DOCTYPE html>${render(build(page))}`;
  }

  for (const [path, view] of Object.entries(options.liveRoutes ?? {})) {
    endpoint.live.add(path, view);
    app.get(path, (request, reply) => liveRender(request, reply, view, request.params as Record<string, string>));
  }

  const allowedOrigins = options.origins ? new Set(options.origins) : null;
  function originAllowed(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true; // not a browser: nothing to forge
    if (allowedOrigins) return allowedOrigins.has(origin);
    return origin === `http://${request.host}` || origin === `https://${request.host}`;
  }

  app.get(socketPath, {
    websocket: true,
    preValidation: async (request, reply) => {
      if (!originAllowed(request)) {
        request.log.warn({ code: "SB_ERR_ORIGIN", origin: request.headers.origin }, "websocket origin refused");
        return reply.code(403).send({ error: "origin not allowed", code: "SB_ERR_ORIGIN" });
      }
    },
  }, (socket: WebSocket, request: FastifyRequest) => {
    const info: ConnectInfo = {
      origin: request.headers.origin ?? null,
      cookies: { ...request.cookies } as Record<string, string>,
      headers: request.headers,
      remoteAddress: request.ip ?? null,
    };
    const params = Object.fromEntries(Object.entries(request.query as Record<string, unknown>).filter(([, v]) => typeof v === "string")) as Record<string, string>;
    const early: string[] = [];
    let connection: Awaited<ReturnType<Endpoint["connect"]>> = null;
    let gone = false;
    socket.on("message", (data, isBinary) => {
      const text = isBinary ? "" : data.toString();
      if (connection) connection.receive(text);
      else early.push(text);
    });
    socket.on("close", () => {
      gone = true;
      connection?.close(CloseCode.goingAway, "client went away");
    });
    socket.on("error", (err) => request.log.warn({ err }, "websocket error"));
    const transport = {
      send: (text: string) => socket.send(text),
      close: (code: number, reason: string) => socket.close(code, reason),
    };
    endpoint.connect(transport, info, params).then((accepted) => {
      if (!accepted) return socket.close(CloseCode.policy, "connection refused");
      connection = accepted;
      if (gone) return accepted.close(CloseCode.goingAway, "client went away");
      for (const text of early.splice(0)) accepted.receive(text);
    });
  });

  app.addHook("onClose", async () => endpoint.shutdown());
}

export const switchboard = fp(plugin, { name: "switchboard", fastify: "5.x" });
