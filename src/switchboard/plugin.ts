// The fastify plugin: mounts live routes (the HTTP render of each view inside the layout), the
// websocket endpoint speaking Phoenix Channels v2, and the session cookie. Options are checked at
// registration; from then on nothing a client sends can throw out of a handler.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import fastifyCookie from "@fastify/cookie";
import fastifyWebsocket from "@fastify/websocket";
import fp from "fastify-plugin";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { RawData, WebSocket } from "ws";
import { CloseCode, type ConnectInfo, type Connection, type Transport } from "./connection.ts";
import { Endpoint, SLOW_CLIENT_CLOSE, type EndpointOptions } from "./endpoint.ts";
import { sbError } from "./errors.ts";
import { raw, RawHTML } from "./escape.ts";
import { LiveInstance } from "./live-instance.ts";
import { registerLongPoll } from "./long-poll.ts";
import { PROTOCOL_VERSION } from "./protocol.ts";
import type { LiveView } from "./live-view.ts";
import { queryParams } from "./params.ts";
import { build } from "./rendered.ts";
import { render } from "./render.ts";
import { csrfToken, FLASH_COOKIE, flashToken, liveToken, newSession, readFlash, readSession, sessionCookie, type CookieSession } from "./session.ts";
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
  /**
   * Data for this page's live session only (signed into the page's session token, not the cookie),
   * e.g. { admin: true } after this request passed an admin check. Views read it in `session`.
   */
  liveSession?: (request: FastifyRequest) => Record<string, unknown>;
  /** Origins allowed to open the websocket (default: the request's own host, http or https). */
  origins?: readonly string[];
  /** Where the client script is served. */
  clientScript?: string;
  /** Websocket path (default "/live/websocket"). */
  socketPath?: string;
  /** Long-poll path (default: the socket path's folder + "/longpoll"). */
  longPollPath?: string;
  /** How long a long-poll request waits for messages (default 20 s). */
  longPollTimeoutMs?: number;
  /** The built client file served at clientScript (default client/dist/switchboard.js). */
  clientFile?: string;
}

/** How long a client closed for being too far behind may take the close frame before it is cut off. */
const SLOW_CLIENT_GRACE_MS = 1_000;

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
  const liveSession = options.liveSession ?? (() => ({}));
  const socketPath = options.socketPath ?? "/live/websocket";
  const clientScript = options.clientScript ?? "/assets/switchboard.js";
  const scripts = raw(`<script defer src="${clientScript}"></script>`);
  app.decorate("switchboard", endpoint);
  if (!app.hasDecorator("parseCookie")) await app.register(fastifyCookie);
  // Added before @fastify/websocket's own preClose hook, which closes sockets without a code
  // (clients would see 1005): ours runs first and closes them with 1001, going away.
  app.addHook("preClose", async () => endpoint.shutdown());
  await app.register(fastifyWebsocket, { options: { maxPayload: endpoint.limits.maxFrameBytes } });

  const secureCookies = endpoint.production;
  /** The request's session, or a new one (its cookie set); `created` says which. */
  function loadSession(request: FastifyRequest, reply: FastifyReply): CookieSession & { created?: true } {
    const existing = readSession(endpoint, request.cookies[endpoint.session.cookie]);
    if (existing) return existing;
    const session = newSession(initSession(request));
    const value = sessionCookie(endpoint, session);
    reply.setCookie(endpoint.session.cookie, value, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: secureCookies,
      maxAge: Math.floor(endpoint.session.maxAgeMs / 1000),
    });
    // Later code in this request (and the websocket check) sees the new cookie.
    request.cookies[endpoint.session.cookie] = value;
    return { ...session, created: true };
  }

  async function liveRender(request: FastifyRequest, reply: FastifyReply, view: LiveView<any, any>, pathParams: Record<string, string>) {
    const cookieSession = loadSession(request, reply);
    const session = { ...cookieSession, data: { ...cookieSession.data, ...liveSession(request) } };
    const flash = readFlash(endpoint, request.cookies[FLASH_COOKIE]);
    if (request.cookies[FLASH_COOKIE]) reply.clearCookie(FLASH_COOKIE, { path: "/" });
    const url = new URL(request.url, `${request.protocol}://${request.host}`);
    const id = `phx-${randomId(6)}`;
    const instance = new LiveInstance(endpoint, view, { id, session: session.data, url, flash, host: null, newSession: cookieSession.created === true });
    const started = performance.now();
    await instance.mount({ ...queryParams(url), ...pathParams });
    if (instance.navigation) {
      // A flash set before redirecting during the HTTP render travels in the flash cookie.
      if (Object.keys(instance.flash).length > 0) {
        reply.setCookie(FLASH_COOKIE, flashToken(endpoint, instance.flash), { path: "/", httpOnly: true, sameSite: "lax", secure: secureCookies, maxAge: 60 });
      }
      return reply.header("cache-control", "no-store").redirect(instance.navigation.to);
    }
    const content = instance.html();
    // The flash shown now is handed to the join too, so the connected render shows it as well.
    const flashAttr = Object.keys(flash).length > 0 ? ` data-phx-flash="${flashToken(endpoint, flash)}"` : "";
    const container = `<div id="${id}" data-phx-main data-phx-session="${liveToken(endpoint, session)}"${flashAttr}>${content}</div>`;
    const page = layout({
      title: instance.title ?? options.title ?? "Switchboard",
      csrfToken: csrfToken(endpoint, session),
      scripts,
      content: raw(container),
      request,
    });
    endpoint.metrics.time("dead_render", performance.now() - started);
    reply.header("cache-control", "no-store").type("text/html; charset=utf-8");
    // Encoded once: the length header and the socket write both use these bytes (a string would
    // be measured by one pass over it and encoded by another).
    return Buffer.from(`<!DOCTYPE html>${render(build(page))}`);
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

  const connectInfo = (request: FastifyRequest): ConnectInfo => ({
    origin: request.headers.origin ?? null,
    cookies: { ...request.cookies } as Record<string, string>,
    headers: request.headers,
    remoteAddress: request.ip ?? null,
  });

  app.get(socketPath, {
    websocket: true,
    preValidation: async (request, reply) => {
      if (!originAllowed(request)) {
        request.log.warn({ code: "SB_ERR_ORIGIN", origin: request.headers.origin }, "websocket origin refused");
        return reply.code(403).send({ error: "origin not allowed", code: "SB_ERR_ORIGIN" });
      }
      const vsn = (request.query as Record<string, unknown>).vsn;
      if (vsn !== undefined && vsn !== PROTOCOL_VERSION) {
        request.log.warn({ code: "SB_ERR_PROTOCOL_VERSION", vsn }, "websocket protocol version refused");
        return reply.code(400).send({ error: `protocol version ${PROTOCOL_VERSION} expected`, code: "SB_ERR_PROTOCOL_VERSION" });
      }
      upgrades.set(request.raw, reply.raw);
    },
  }, (socket: WebSocket, request: FastifyRequest) => {
    const params = Object.fromEntries(Object.entries(request.query as Record<string, unknown>).filter(([, v]) => typeof v === "string")) as Record<string, string>;
    const transport = new SocketTransport(socket, endpoint);
    // Nothing below keeps `request` (its headers and raw message) alive for the socket's lifetime.
    releaseUpgrade(socket, upgrades.get(request.raw));
    transports.set(socket, transport);
    socket.on("message", onSocketMessage);
    socket.on("close", onSocketClose);
    socket.on("error", onSocketError);
    endpoint.connect(transport, connectInfo(request), params).then((accepted) => {
      if (!accepted) return socket.close(CloseCode.policy, "connection refused");
      transport.accepted(accepted);
    });
  });

  registerLongPoll(app, endpoint, {
    path: options.longPollPath ?? socketPath.replace(/\/websocket$/, "") + "/longpoll",
    pollTimeoutMs: options.longPollTimeoutMs ?? 20_000,
    maxQueuedBytes: endpoint.limits.maxBufferedBytes,
    originAllowed,
    connectInfo,
  });

  serveClient(app, clientScript, options.clientFile ?? fileURLToPath(new URL("../../client/dist/switchboard.js", import.meta.url)));
}

/** Serves the built client and its source map; built by `npm run build:client` (and before start and test). */
function serveClient(app: FastifyInstance, path: string, file: string): void {
  const cache = new Map<string, Buffer>();
  const serve = (source: string, type: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    let body = cache.get(source);
    if (!body) {
      try {
        body = await readFile(source);
        cache.set(source, body);
      } catch {
        request.log.error({ code: "SB_ERR_CLIENT_MISSING", file: source }, "the client bundle is missing; run npm run build:client");
        return reply.code(404).send({ error: "client bundle not built", code: "SB_ERR_CLIENT_MISSING" });
      }
    }
    return reply.type(type).header("cache-control", "public, max-age=300").send(body);
  };
  app.get(path, serve(file, "text/javascript; charset=utf-8"));
  app.get(`${path}.map`, serve(`${file}.map`, "application/json; charset=utf-8"));
}

export const switchboard = fp(plugin, { name: "switchboard", fastify: "5.x" });

/** Each websocket upgrade's unused HTTP response, from the route's preValidation to its handler. */
const upgrades = new WeakMap<IncomingMessage, ServerResponse>();

/**
 * Lets an open websocket's upgrade request and reply go (about 3 KB per open page): ws answers
 * the upgrade on the TCP socket itself, but @fastify/websocket leaves the unused HTTP response
 * attached to that socket (and through it the request: headers, raw headers, its first data
 * chunk) and keeps request and reply in its error listener. The handler adds its own.
 */
function releaseUpgrade(socket: WebSocket, response: ServerResponse | undefined): void {
  if (response?.socket) response.detachSocket(response.socket);
  socket.removeAllListeners("error");
}

/** Each websocket's transport, for the listeners every socket shares (three closures a socket cost ~0.2 KB). */
const transports = new WeakMap<WebSocket, SocketTransport>();

function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  transports.get(this)?.receive(isBinary ? "" : data.toString());
}

function onSocketClose(this: WebSocket): void {
  transports.get(this)?.gone();
}

function onSocketError(this: WebSocket, err: Error): void {
  transports.get(this)?.error(err);
}

/**
 * One websocket as a connection's transport. Frames that arrive before the connect hook has
 * answered wait; a client further behind than limits.maxBufferedBytes is closed (4002).
 */
class SocketTransport implements Transport {
  readonly #socket: WebSocket;
  readonly #endpoint: Endpoint;
  #connection: Connection | null = null;
  #early: string[] | null = null;
  #gone = false;

  constructor(socket: WebSocket, endpoint: Endpoint) {
    this.#socket = socket;
    this.#endpoint = endpoint;
  }

  receive(text: string): void {
    if (this.#connection) this.#connection.receive(text);
    else (this.#early ??= []).push(text);
  }

  accepted(connection: Connection): void {
    this.#connection = connection;
    if (this.#gone) return connection.close(CloseCode.goingAway, "client went away");
    const early = this.#early ?? [];
    this.#early = null;
    for (const text of early) connection.receive(text);
  }

  gone(): void {
    this.#gone = true;
    this.#connection?.close(CloseCode.goingAway, "client went away");
  }

  error(err: Error): void {
    this.#endpoint.log.warn({ err }, "websocket error");
  }

  send(text: string): void {
    const socket = this.#socket;
    const behind = socket.bufferedAmount;
    if (behind > this.#endpoint.limits.maxBufferedBytes && socket.readyState === socket.OPEN) return this.#tooFarBehind(behind);
    socket.send(text);
  }

  close(code: number, reason: string): void {
    const socket = this.#socket;
    socket.close(code, reason);
    // A stalled peer never answers the closing handshake: drop what it never took, soon.
    if (code === SLOW_CLIENT_CLOSE) setTimeout(() => socket.terminate(), SLOW_CLIENT_GRACE_MS).unref();
  }

  #tooFarBehind(behind: number): void {
    const limit = this.#endpoint.limits.maxBufferedBytes;
    this.#endpoint.log.warn({ code: "SB_ERR_SLOW_CLIENT", socketId: this.#connection?.socketId, buffered: behind, limit }, "client too far behind; closing");
    this.#connection?.close(SLOW_CLIENT_CLOSE, "client too far behind");
  }
}
