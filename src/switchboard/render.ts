// Full HTML from a rendered tree: the dead render, and the reference every diff must reproduce.
// Shared (memoised) subtrees cache their HTML on the node; per-session nodes never keep HTML.

import { Rendered, RList, type Dyn } from "./rendered.ts";

export function render(node: Rendered): string {
  if (node.html !== undefined) return node.html;
  const parts = node.statics.parts;
  const d = node.d;
  let out = parts[0]!;
  for (let i = 0; i < d.length; i++) out += dynHTML(d[i]!) + parts[i + 1]!;
  if (node.shared) node.html = out;
  return out;
}

function dynHTML(value: Dyn): string {
  if (typeof value === "string") return value;
  if (value instanceof Rendered) return render(value);
  let out = "";
  for (const item of (value as RList).items) out += render(item);
  return out;
}
