// Switchboard's server entry point: re-exports only.

export { html, TemplateResult } from "./template.ts";
export { raw, escapeHTML } from "./escape.ts";
export { memo, build, Rendered, RList } from "./rendered.ts";
export { render } from "./render.ts";
export { diff, DiffContext } from "./diff.ts";
export { merge, toHTML, createTree, type ClientTree } from "./merge.ts";
export { SwitchboardError, errorCodes, type ErrorCode } from "./errors.ts";
export type { WireDiff, WireNode } from "./protocol.ts";
