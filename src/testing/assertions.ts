// Assertions on what a view asked the browser to do: patch its URL, navigate or redirect, run a
// hook's handleEvent. Each takes the oldest matching record, so a test reads them in order.

import { isDeepStrictEqual } from "node:util";
import { sbError } from "../switchboard/errors.ts";
import { FLASH_COOKIE } from "../switchboard/session.ts";
import { live } from "./live.ts";
import { LiveRedirect, type Navigation } from "./outcome.ts";
import type { TestView } from "./test-view.ts";

const describeAll = (list: Navigation[]) => (list.length ? list.map((n) => `${n.kind} to ${n.to}`).join(", ") : "no navigation");

function take(view: TestView, kinds: Navigation["kind"][], to: string | undefined, expected: string): Navigation {
  const index = view.navigations.findIndex((n) => kinds.includes(n.kind));
  const found = view.navigations[index];
  if (!found) throw sbError("SB_ERR_TEST_NAVIGATION", expected, describeAll(view.navigations));
  if (to !== undefined && found.to !== to) throw sbError("SB_ERR_TEST_NAVIGATION", expected, `${found.kind} to ${found.to}`);
  view.navigations.splice(index, 1);
  return found;
}

/** The view patched its URL (pushPatch), to `to` if given; returns the path. */
export function assertPatch(view: TestView, to?: string): string {
  return take(view, ["patch"], to, `a patch${to ? ` to ${to}` : ""}`).to;
}

/** The view sent the browser elsewhere (pushNavigate or redirect), to `to` if given; returns the navigation, flash token included. */
export function assertRedirect(view: TestView, to?: string): Navigation {
  return take(view, ["navigate", "redirect"], to, `a redirect${to ? ` to ${to}` : ""}`);
}

/**
 * Follows a redirect as the browser would, from a view that navigated or from a LiveRedirect, and
 * returns the new view. A live navigation joins the next view over the same connection (the old
 * one is left) with the flash token in the join; a redirect is a page load: the old connection
 * closes and the flash travels in the flash cookie.
 */
export async function followRedirect(from: TestView | LiveRedirect): Promise<TestView> {
  const navigation = from instanceof LiveRedirect ? from.navigation : assertRedirect(from);
  if (navigation.kind === "patch") throw sbError("SB_ERR_TEST_NAVIGATION", "a redirect", "a patch");
  const view = from instanceof LiveRedirect ? from.view : from;
  if (navigation.kind === "navigate" && view && !view.socket.closed) return view.navigate(navigation.to, { flash: navigation.flash });
  const cookies = { ...from.cookies };
  if (navigation.flash) cookies[FLASH_COOKIE] = navigation.flash;
  view?.close();
  return live(from.app, navigation.to, { cookies });
}

/** The view pushed `event` to the client (pushEvent), with `payload` if given; returns the payload. */
export function assertPushEvent(view: TestView, event: string, payload?: unknown): unknown {
  const index = view.pushedEvents.findIndex(([name, value]) => name === event && (payload === undefined || isDeepStrictEqual(value, payload)));
  if (index < 0) {
    const seen = view.pushedEvents.map(([name, value]) => `${name} ${JSON.stringify(value)}`).join(", ") || "none";
    throw sbError("SB_ERR_TEST_ASSERTION", `a pushed event ${event}${payload === undefined ? "" : ` ${JSON.stringify(payload)}`}`, `pushed events: ${seen}`);
  }
  const [[, value]] = view.pushedEvents.splice(index, 1) as [[string, unknown]];
  return value;
}
