// Assertions on what a view asked the browser to do: patch its URL, navigate or redirect, run a
// hook's handleEvent. Each takes the oldest matching record, so a test reads them in order.

import { isDeepStrictEqual } from "node:util";
import { sbError } from "../switchboard/errors.ts";
import { live, LiveRedirect, type Navigation, type TestView } from "./live.ts";
import { FLASH_COOKIE } from "../switchboard/session.ts";

const describeAll = (list: Navigation[]) => (list.length ? list.map((n) => `${n.kind} to ${n.to}`).join(", ") : "no navigation");

function take(view: TestView, kinds: Navigation["kind"][], to: string | undefined, expected: string): Navigation {
  const index = view.navigations.findIndex((n) => kinds.includes(n.kind));
  const found = view.navigations[index];
  if (!found) throw sbError("SB_ERR_TEST_NAVIGATION", expected, describeAll(view.navigations));
  if (to !== undefined && found.to !== to) throw sbError("SB_ERR_TEST_NAVIGATION", expected, `${found.kind} to ${found.to}`);
  view.navigations.splice(index, 1);
  return found;
}

/** The view patched its URL (pushPatch); returns the path. */
export function assertPatch(view: TestView, to?: string): string {
  return take(view, ["patch"], to, `a patch${to ? ` to ${to}` : ""}`).to;
}

/** The view navigated away (pushNavigate or redirect); returns where to, with its flash token. */
export function assertRedirect(view: TestView, to?: string): Navigation {
  return take(view, ["navigate", "redirect"], to, `a redirect${to ? ` to ${to}` : ""}`);
}

/** Follows a redirect: from a view that navigated, or from live()'s LiveRedirect. Returns the new view. */
export async function followRedirect(from: TestView | LiveRedirect): Promise<TestView> {
  const navigation = from instanceof LiveRedirect ? from.navigation : assertRedirect(from);
  if (navigation.kind === "patch") throw sbError("SB_ERR_TEST_NAVIGATION", "a redirect", "a patch");
  const cookies = { ...from.cookies };
  if (navigation.flash) cookies[FLASH_COOKIE] = navigation.flash;
  return live(from.app, navigation.to, { cookies });
}

/** The view pushed `event` to the client (pushEvent), with `payload` if given. */
export function assertPushEvent(view: TestView, event: string, payload?: unknown): unknown {
  const index = view.pushedEvents.findIndex(([name, value]) => name === event && (payload === undefined || isDeepStrictEqual(value, payload)));
  if (index < 0) {
    const seen = view.pushedEvents.map(([name, value]) => `${name} ${JSON.stringify(value)}`).join(", ") || "none";
    throw sbError("SB_ERR_TEST_NAVIGATION", `a pushed event ${event}${payload === undefined ? "" : ` ${JSON.stringify(payload)}`}`, `pushed events: ${seen}`);
  }
  const [[, value]] = view.pushedEvents.splice(index, 1) as [[string, unknown]];
  return value;
}
