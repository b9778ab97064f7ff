// Switchboard's test harness entry point (`switchboard/testing`): re-exports only.

export { live, liveIsolated, type LiveOptions } from "./live.ts";
export { TestView } from "./test-view.ts";
export { LiveRedirect, EventOutcome, type Navigation } from "./outcome.ts";
export { ElementHandle, FormHandle } from "./element.ts";
export { assertPatch, assertRedirect, followRedirect, assertPushEvent } from "./assertions.ts";
export { connect, matches, TestSocket, TestChannel, PushResult } from "./channel-kit.ts";
export { MemorySocket, type Frame, type Reply } from "./memory-socket.ts";
