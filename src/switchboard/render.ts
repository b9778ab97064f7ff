// Full HTML from a rendered tree: the dead render, and the reference every diff must reproduce.
// Shared (memoised) subtrees cache their HTML on the node; per-session nodes never keep HTML.

import { Rendered, RList, type ComponentHost, type Dyn } from "./rendered.ts";

/** The node's HTML; `components` resolves stateful component ids (a live view passes itself). */
export function render(node: Rendered, components: ComponentHost | null = null): string {
  if (node.html !== undefined) return node.html;
  const parts = node.statics.parts;
  const d = node.d;
  let out = parts[0]!;
  for (let i = 0; i < d.length; i++) out += dynHTML(d[i]!, components) + parts[i + 1]!;
  if (node.shared) node.html = flatten(out);
  return out;
}

/**
 * V8 builds concatenations as ropes, walked again every time they are read. A cached string is
 * read by every page that includes it, so it is copied once into one flat string (a JSON round
 * trip is exact and, measured, the copy V8 keeps flat: 4x faster page encoding at 50 products).
 */
function flatten(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

function dynHTML(value: Dyn, components: ComponentHost | null): string {
  if (typeof value === "string") return value;
  if (value instanceof Rendered) return render(value, components);
  if (typeof value === "number") {
    if (!components) throw new TypeError(`component ${value} cannot be rendered without its view`);
    return render(components.rendered(value), components);
  }
  let out = "";
  for (const item of (value as RList).items) out += render(item, components);
  return out;
}
