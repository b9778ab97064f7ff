// What comes back to a test from the server, besides HTML: the outcome of a live event, a
// redirect where a page was expected (LiveRedirect), a refusal (SB_ERR_TEST_REFUSED carrying the
// server's reply) and a crash (SB_ERR_TEST_VIEW_CRASHED carrying the server's stack and error).

import type { FastifyInstance } from "fastify";
import { sbError, type SwitchboardError } from "../switchboard/errors.ts";
import type { Frame } from "./memory-socket.ts";
import type { TestView } from "./test-view.ts";

export type Navigation =
  | { kind: "patch"; to: string; replace: boolean }
  | { kind: "navigate"; to: string; replace: boolean; flash?: string }
  | { kind: "redirect"; to: string; flash?: string };

/** Thrown by live() (or a navigation) when the page redirects instead of rendering; followRedirect() takes it. */
export class LiveRedirect extends Error {
  readonly navigation: Navigation;
  readonly app: FastifyInstance;
  readonly cookies: Record<string, string>;
  /** The view whose join was answered with the redirect (null for an HTTP redirect): a live navigation is followed over its connection. */
  readonly view: TestView | null;

  constructor(app: FastifyInstance, navigation: Navigation, cookies: Record<string, string>, view: TestView | null = null) {
    super(`the page redirected (${navigation.kind}) to ${navigation.to}`);
    this.name = "LiveRedirect";
    this.app = app;
    this.navigation = navigation;
    this.cookies = cookies;
    this.view = view;
  }
}

/** What a live event came back with: the view's HTML after it, the handler's reply, and the reply as it was on the wire. */
export class EventOutcome {
  readonly html: string;
  /** The handler's `{ reply }` value (a hook's pushEvent receives it), if any. */
  readonly reply: unknown;
  readonly #text: string;

  constructor(html: string, reply: unknown, text: string) {
    this.html = html;
    this.reply = reply;
    this.#text = text;
  }

  /** The reply's response as the server sent it: `{ diff?, reply? }`. */
  get response(): Record<string, any> {
    return (JSON.parse(this.#text) as Frame)[4].response;
  }
}

/** SB_ERR_TEST_REFUSED, with the server's `{ reason, code }` in `response`. */
export function refused(what: string, response: unknown): SwitchboardError & { response: unknown } {
  const { reason, code } = (response ?? {}) as { reason?: string; code?: string };
  const error = sbError("SB_ERR_TEST_REFUSED", what, [code, reason].filter(Boolean).join(" ") || JSON.stringify(response));
  return Object.assign(error, { response });
}

/** SB_ERR_TEST_VIEW_CRASHED for a crash on the server, with its message, its stack and `cause`. */
export function crashError(topic: string, error: unknown): SwitchboardError {
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = sbError("SB_ERR_TEST_VIEW_CRASHED", topic, message);
  (wrapped as { cause?: unknown }).cause = error;
  if (error instanceof Error && error.stack) wrapped.stack = `${wrapped.name}: ${wrapped.message}\n--- server stack ---\n${error.stack}`;
  return wrapped;
}
