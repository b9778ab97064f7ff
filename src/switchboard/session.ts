// Sessions and their proofs. The browser holds a signed session cookie (its data and a CSRF
// secret); each rendered page carries a CSRF token for that secret and a signed live-session token
// with the session data. A live join must present both tokens, valid, unexpired and matching the
// cookie the websocket request carried.

import type { ConnectInfo } from "./connection.ts";
import type { Endpoint } from "./endpoint.ts";
import { sbError, SwitchboardError } from "./errors.ts";
import type { Flash } from "./live-view.ts";
import { randomId } from "./token.ts";

export interface CookieSession {
  readonly csrf: string;
  readonly data: Record<string, unknown>;
}

export interface SessionConfig {
  /** The session cookie's name (default "_sb_session"). */
  cookie: string;
  /** How long the cookie, and tokens issued for it, stay valid (default 30 days). */
  maxAgeMs: number;
  /** How long a page's live-session token may be used to join (default 14 days). */
  liveMaxAgeMs: number;
}

export const defaultSessionConfig: SessionConfig = {
  cookie: "_sb_session",
  maxAgeMs: 30 * 24 * 3600 * 1000,
  liveMaxAgeMs: 14 * 24 * 3600 * 1000,
};

export const FLASH_COOKIE = "_sb_flash";
const FLASH_MAX_AGE_MS = 60_000;

export function newSession(data: Record<string, unknown>): CookieSession {
  return { csrf: randomId(), data };
}

/** The session in a cookie value, or null when it is absent, forged or expired. */
export function readSession(endpoint: Endpoint, value: string | undefined): CookieSession | null {
  if (!value) return null;
  try {
    const session = endpoint.signer.verify("cookie", value, endpoint.session.maxAgeMs) as CookieSession;
    if (typeof session?.csrf !== "string" || typeof session.data !== "object" || session.data === null) return null;
    return session;
  } catch {
    return null;
  }
}

export function sessionCookie(endpoint: Endpoint, session: CookieSession): string {
  return endpoint.signer.sign("cookie", session);
}

export function csrfToken(endpoint: Endpoint, session: CookieSession): string {
  return endpoint.signer.sign("csrf", session.csrf);
}

/** Checks a CSRF token (from a form POST or a join) against the session it must belong to. */
export function checkCsrf(endpoint: Endpoint, token: unknown, session: CookieSession | null): SwitchboardError | null {
  if (!session) return sbError("SB_ERR_CSRF", "the request carries no valid session cookie");
  let secret: unknown;
  try {
    secret = endpoint.signer.verify("csrf", token, endpoint.session.maxAgeMs);
  } catch (error) {
    return sbError("SB_ERR_CSRF", (error as Error).message);
  }
  return secret === session.csrf ? null : sbError("SB_ERR_CSRF", "the token belongs to another session");
}

export function liveToken(endpoint: Endpoint, session: CookieSession): string {
  return endpoint.signer.sign("live", { s: session.data, c: session.csrf });
}

export function flashToken(endpoint: Endpoint, flash: Flash): string {
  return endpoint.signer.sign("flash", flash);
}

/** No flash: one frozen object shared by every view that has none. */
const NO_FLASH: Flash = Object.freeze({});

/** The flash in a token, or none when it is absent, forged or stale. */
export function readFlash(endpoint: Endpoint, token: unknown): Flash {
  if (typeof token !== "string" || token === "") return NO_FLASH;
  try {
    const flash = endpoint.signer.verify("flash", token, FLASH_MAX_AGE_MS);
    if (typeof flash !== "object" || flash === null || Array.isArray(flash)) return NO_FLASH;
    return Object.fromEntries(Object.entries(flash).filter(([, v]) => typeof v === "string")) as Flash;
  } catch {
    return NO_FLASH;
  }
}

export interface VerifiedJoin {
  session: Record<string, unknown>;
  url: URL;
  flash: Flash;
}

/** Verifies a live join's payload: {url, session, params: {_csrf_token}, flash?}. */
export function verifyJoin(endpoint: Endpoint, info: ConnectInfo, payload: Record<string, unknown>): VerifiedJoin | SwitchboardError {
  let live: { s: Record<string, unknown>; c: string };
  try {
    live = endpoint.signer.verify("live", payload.session, endpoint.session.liveMaxAgeMs) as typeof live;
  } catch (error) {
    return error as SwitchboardError;
  }
  const params = payload.params;
  const token = typeof params === "object" && params !== null ? (params as Record<string, unknown>)._csrf_token : undefined;
  const cookie = readSession(endpoint, info.cookies[endpoint.session.cookie]);
  const csrfError = checkCsrf(endpoint, token, cookie);
  if (csrfError) return csrfError;
  if (cookie!.csrf !== live.c) return sbError("SB_ERR_CSRF", "the page's session token belongs to another session");
  if (typeof payload.url !== "string") return sbError("SB_ERR_JOIN_PAYLOAD", "url", typeof payload.url);
  let url: URL;
  try {
    url = new URL(payload.url);
  } catch {
    return sbError("SB_ERR_JOIN_PAYLOAD", "url", "a string that is not an absolute URL");
  }
  return { session: live.s, url, flash: readFlash(endpoint, payload.flash) };
}
