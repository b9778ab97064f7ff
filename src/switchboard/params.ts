// URL and form parameters as views receive them: plain strings, and arrays for repeated names
// (or names ending in "[]", which are stored without the brackets).

import type { EventValue, Params } from "./live-view.ts";

function collect(entries: Iterable<[string, string]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (let [name, value] of entries) {
    const list = name.endsWith("[]");
    if (list) name = name.slice(0, -2);
    const prev = out[name];
    if (prev === undefined) out[name] = list ? [value] : value;
    else out[name] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { ...out };
}

export function queryParams(url: URL): Params {
  return collect(url.searchParams.entries());
}

/** A form serialised as application/x-www-form-urlencoded, as the client sends it. */
export function decodeForm(body: string): EventValue {
  return collect(new URLSearchParams(body).entries());
}
