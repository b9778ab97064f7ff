// Switchboard's test harness entry point: re-exports only.

export { live, liveIsolated, LiveRedirect, TestView, type LiveOptions, type Navigation } from "./live.ts";
export { ElementHandle, FormHandle } from "./element.ts";
export { assertPatch, assertRedirect, followRedirect, assertPushEvent } from "./assertions.ts";
export { connect, matches, TestSocket, TestChannel, PushResult } from "./channel-kit.ts";
export { MemorySocket } from "./memory-socket.ts";
