// live() and liveIsolated(): how a test opens a live page. live() performs the HTTP render through
// fastify's inject, as a browser's first request, then joins the view over an in-memory connection
// with the page's tokens and cookies; liveIsolated() mounts a view that has no route.

import type { FastifyInstance } from "fastify";
import { sbError } from "../switchboard/errors.ts";
import type { LiveView } from "../switchboard/live-view.ts";
import { csrfToken, FLASH_COOKIE, liveToken, newSession, sessionCookie } from "../switchboard/session.ts";
import { randomId } from "../switchboard/token.ts";
import { parse, select } from "./dom.ts";
import { MemorySocket } from "./memory-socket.ts";
import { LiveRedirect } from "./outcome.ts";
import { TestView } from "./test-view.ts";

export interface LiveOptions {
  /** Session data for a browser that has none yet (becomes the signed session cookie). */
  session?: Record<string, unknown>;
  /** Cookies the browser already holds (e.g. `view.cookies`, for a second tab). */
  cookies?: Record<string, string>;
  headers?: Record<string, string>;
  /** Params for the endpoint's connect hook. */
  connectParams?: Record<string, string>;
  /** Join over this existing connection (and with its cookies) instead of opening one. */
  socket?: MemorySocket;
}

const ready = new WeakSet<FastifyInstance>();

/** Waits for the app's plugins once (a test's first live() or connect() boots it). */
export async function booted(app: FastifyInstance): Promise<void> {
  if (ready.has(app)) return;
  await app.ready();
  ready.add(app);
}

/** Renders `path` over HTTP, then joins it live. Rejects with LiveRedirect if the page redirects. */
export async function live(app: FastifyInstance, path: string, options: LiveOptions = {}): Promise<TestView> {
  await booted(app);
  const endpoint = app.switchboard;
  const shared = options.socket;
  const cookies: Record<string, string> = { ...shared?.cookies, ...options.cookies };
  if (options.session) cookies[endpoint.session.cookie] = sessionCookie(endpoint, newSession(options.session));
  const response = await app.inject({ method: "GET", url: path, cookies, headers: options.headers });
  keepCookies(cookies, response.headers["set-cookie"]);
  if (response.statusCode >= 300 && response.statusCode < 400) {
    throw new LiveRedirect(app, { kind: "redirect", to: String(response.headers.location), flash: cookies[FLASH_COOKIE] }, cookies);
  }
  if (response.statusCode !== 200) throw sbError("SB_ERR_TEST_REFUSED", `GET ${path}`, `HTTP ${response.statusCode}: ${response.body.slice(0, 200)}`);
  const body = response.body;
  const page = readPage(body);
  if (!page) throw sbError("SB_ERR_TEST_REFUSED", `GET ${path}`, "the page has no live view ([data-phx-main])");
  const socket = shared ?? (await MemorySocket.open(endpoint, { cookies, params: options.connectParams, headers: options.headers }));
  const view = new TestView(app, socket, { ...page, url: new URL(path, "http://localhost").href, cookies, page: body });
  try {
    await view.join();
  } catch (error) {
    // A live redirect is followed over the same connection, as the browser does; otherwise it is done.
    const navigates = error instanceof LiveRedirect && error.navigation.kind === "navigate";
    if (!shared && !navigates) socket.close();
    throw error;
  }
  return view;
}

/** Mounts a view with no route, with the given session. */
export async function liveIsolated(app: FastifyInstance, view: LiveView<any, any>, options: { session?: Record<string, unknown>; url?: string } = {}): Promise<TestView> {
  await booted(app);
  const endpoint = app.switchboard;
  const session = newSession(options.session ?? {});
  const cookies = { [endpoint.session.cookie]: sessionCookie(endpoint, session) };
  const id = `phx-${randomId(9)}`;
  endpoint.live.isolate(id, view);
  const socket = await MemorySocket.open(endpoint, { cookies });
  const test = new TestView(app, socket, {
    id,
    url: new URL(options.url ?? "/", "http://localhost").href,
    session: liveToken(endpoint, session),
    csrf: csrfToken(endpoint, session),
    cookies,
  });
  try {
    await test.join();
  } catch (error) {
    socket.close();
    throw error;
  }
  return test;
}

// ---- Reading the page ---------------------------------------------------------------------------

interface PageTokens {
  id: string;
  session: string;
  csrf: string;
  flash?: string;
}

const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const ENTITY = /&(amp|quot|#39|#x27|lt|gt);/g;
const ENTITIES: Record<string, string> = { amp: "&", quot: '"', "#39": "'", "#x27": "'", lt: "<", gt: ">" };

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const inner = tag.slice(tag.search(/\s/) + 1, tag.endsWith("/>") ? -2 : -1);
  for (const m of inner.matchAll(ATTRIBUTE)) out[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? m[4] ?? "").replace(ENTITY, (_, e: string) => ENTITIES[e]!);
  return out;
}

/**
 * The live container's attributes and the CSRF token. The container is written by the plugin in
 * one known form, so its tag is found directly instead of parsing the whole page; a page where
 * that fails (an unusual layout) is parsed.
 */
export function readPage(body: string): PageTokens | null {
  const at = body.indexOf(" data-phx-main");
  const start = body.lastIndexOf("<", at);
  const end = body.indexOf(">", at);
  const container = at >= 0 && start >= 0 && end > at ? attributes(body.slice(start, end + 1)) : null;
  let csrf: string | undefined;
  for (const m of body.matchAll(/<meta\s[^>]*>/gi)) {
    const meta = attributes(m[0]);
    if (meta.name === "csrf-token") {
      csrf = meta.content;
      break;
    }
  }
  if (container?.id && container["data-phx-session"] && csrf !== undefined) {
    return { id: container.id, session: container["data-phx-session"], csrf, flash: container["data-phx-flash"] };
  }
  const doc = parse(body);
  const main = select(doc, "[data-phx-main]")[0];
  if (!main) return null;
  const { id = "", "data-phx-session": session = "", "data-phx-flash": flash } = main.attribs;
  return { id, session, csrf: select(doc, "meta[name='csrf-token']")[0]?.attribs.content ?? "", flash };
}

/** Applies a response's Set-Cookie headers to the browser's cookies (a cleared cookie is dropped). */
function keepCookies(cookies: Record<string, string>, header: string | string[] | undefined): void {
  for (const line of header === undefined ? [] : Array.isArray(header) ? header : [header]) {
    const [pair = "", ...attrs] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // Kept as sent.
    }
    const cleared = value === "" || attrs.some((a) => {
      const [key = "", v = ""] = a.split("=").map((s) => s.trim());
      return (key.toLowerCase() === "max-age" && Number(v) <= 0) || (key.toLowerCase() === "expires" && Date.parse(v) <= Date.now());
    });
    if (cleared) delete cookies[name];
    else cookies[name] = value;
  }
}
