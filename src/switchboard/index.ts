// Switchboard's server entry point: re-exports only.

export { html, TemplateResult } from "./template.ts";
export { raw, escapeHTML } from "./escape.ts";
export { memo, build, Rendered, RList } from "./rendered.ts";
export { render } from "./render.ts";
export { JS } from "./js.ts";
export { diff, diffTree, DiffContext } from "./diff.ts";
export { merge, toHTML, createTree, type ClientTree } from "./merge.ts";
export { SwitchboardError, errorCodes, type ErrorCode } from "./errors.ts";
export type { WireDiff, WireNode } from "./protocol.ts";

export { switchboard, defaultLayout, type SwitchboardOptions, type Layout, type LayoutProps } from "./plugin.ts";
export { Endpoint, type EndpointOptions, type Limits, type ConnectHook, type ConnectResult, type Logger } from "./endpoint.ts";
export { defineLive, type LiveView, type LiveSocket, type MountContext, type Params, type EventValue, type EventMap, type RenderMeta, type Flash, type AsyncOutcome } from "./live-view.ts";
export { defineComponent, liveComponent, type LiveComponent, type ComponentSocket } from "./live-component.ts";
export { defineChannel, reply, stop, type ChannelDefinition, type ChannelSocket } from "./channel.ts";
export { PubSub, type Message, type Subscriber, type PubSubOptions } from "./pubsub.ts";
export { scheduler, Scheduler, DEFAULT_SLICE_MS, type Priority } from "./mailbox.ts";
export { CLUSTER_TOPIC, CLUSTER_RESUMED, CLUSTER_INTERRUPTED, type ClusterAdapter, type AdapterHost } from "./cluster-adapter.ts";
export { postgresAdapter, type PostgresAdapterOptions } from "./postgres-adapter.ts";
export { redisAdapter, type RedisAdapterOptions } from "./redis-adapter.ts";
export { Presence, PRESENCE_DIFF, type PresenceList, type PresenceDiff, type Meta } from "./presence.ts";
export { Signer, randomId } from "./token.ts";
export type { ConnectInfo, Transport } from "./connection.ts";
