// The endpoint: everything connections share. It holds the configuration (secret, limits, connect
// hook), the PubSub, the channel routes and the live routes, creates a process for each join,
// sweeps idle connections, and shuts down gracefully. Transport-neutral: the fastify plugin,
// the long-poll route and the test harness all hand it connections.

import { ChannelRunner } from "./channel-runner.ts";
import type { ChannelDefinition, ChannelProcess } from "./channel.ts";
import { CloseCode, Connection, socketTopic, type ConnectInfo, type Transport } from "./connection.ts";
import { describe, sbError } from "./errors.ts";
import { LIVE_TOPIC_PREFIX } from "./protocol.ts";
import { Presence } from "./presence.ts";
import { PresenceSync } from "./presence-sync.ts";
import { PubSub } from "./pubsub.ts";
import { DEV_SECRET, Signer } from "./token.ts";
import { LiveProcess } from "./live-process.ts";
import { LiveRouter } from "./live-router.ts";
import { Metrics } from "./metrics.ts";
import { defaultSessionConfig, type SessionConfig } from "./session.ts";

export interface Logger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

export interface Limits {
  /** Largest frame accepted, in bytes (default 1 MiB). */
  maxFrameBytes: number;
  /** Sustained messages per second per connection (default 2,000). */
  rate: number;
  /** Messages a connection may send at once before the rate applies (default 500). */
  burst: number;
  /** Refused messages in a row before the connection is closed (default 2,000). */
  maxRefused: number;
  /** A connection silent this long is closed (default 60 s; clients heartbeat every 30 s). */
  idleTimeoutMs: number;
  /**
   * Bytes sent to a client and not yet taken by it, at most (default 4 MiB): when the server has a
   * new frame for a client further behind than this, the connection is closed with 4002 and the
   * client rejoins to current state. Bounds the memory a slow or stalled client holds (issue 9).
   */
  maxBufferedBytes: number;
}

export const defaultLimits = {
  maxFrameBytes: 1024 * 1024,
  rate: 2000,
  burst: 500,
  maxRefused: 2000,
  idleTimeoutMs: 60_000,
  maxBufferedBytes: 4 * 1024 * 1024,
} satisfies Limits;

/** A connection's assigns when its connect hook gives none: one frozen object for all of them. */
const NO_ASSIGNS: Record<string, unknown> = Object.freeze({});

/** The close code for a client further behind than limits.maxBufferedBytes (4000 private range). */
export const SLOW_CLIENT_CLOSE = 4002;

/** The limits with the options' overrides, each checked: a typo or a bad value throws at registration. */
function checkLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...defaultLimits };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue; // left to its default
    if (!Object.hasOwn(defaultLimits, name)) {
      throw sbError("SB_ERR_OPTION", `limits.${name}`, `one of ${Object.keys(defaultLimits).join(", ")}`, "an unknown limit");
    }
    const least = name === "maxRefused" ? 0 : 1;
    if (typeof value !== "number" || !Number.isFinite(value) || value < least) {
      throw sbError("SB_ERR_OPTION", `limits.${name}`, `a finite number of at least ${least}`, describe(value));
    }
    limits[name as keyof Limits] = value;
  }
  return limits;
}

/** What the connect hook returns: accept (with an optional socket id and assigns) or refuse. */
export type ConnectResult = { id?: string; assigns?: Record<string, unknown> } | false;
export type ConnectHook = (params: Record<string, string>, info: ConnectInfo) => ConnectResult | Promise<ConnectResult>;

export interface EndpointOptions {
  secret?: string;
  production?: boolean;
  pubsub?: PubSub;
  log?: Logger;
  channels?: readonly ChannelDefinition<any>[];
  connect?: ConnectHook;
  limits?: Partial<Limits>;
  session?: Partial<SessionConfig>;
  /** This server's name in a cluster (default: random). */
  node?: string;
}

const silent: Logger = { info() {}, warn() {}, error() {}, debug() {} };

export class Endpoint {
  readonly signer: Signer;
  readonly pubsub: PubSub;
  readonly presence: Presence;
  /** Replicates Presence to the other nodes when the PubSub has a cluster adapter (null in process). */
  readonly presenceSync: PresenceSync | null;
  readonly log: Logger;
  readonly limits: Limits;
  readonly production: boolean;
  readonly session: SessionConfig;
  readonly live = new LiveRouter();
  readonly metrics = new Metrics();
  /** Told of every channel or view crash (the test harness surfaces them in the failing test). */
  readonly crashListeners = new Set<(topic: string, error: unknown, connection: Connection) => void>();
  readonly #channels: { exact: Map<string, ChannelDefinition<any>>; prefixes: [string, ChannelDefinition<any>][] };
  readonly #connect: ConnectHook;
  readonly #connections = new Set<Connection>();
  #sweeper: NodeJS.Timeout | null = null;

  constructor(options: EndpointOptions = {}) {
    this.production = options.production ?? process.env.NODE_ENV === "production";
    const secret = options.secret ?? (this.production ? undefined : DEV_SECRET);
    if (secret === undefined || (this.production && secret === DEV_SECRET)) throw sbError("SB_ERR_SECRET_REQUIRED");
    this.signer = new Signer(secret);
    this.log = options.log ?? silent;
    this.pubsub = options.pubsub ?? new PubSub({ onError: (err) => this.log.error({ err }, "subscriber failed") });
    this.presence = new Presence(this.pubsub, options.node ?? this.pubsub.node);
    // Started at once: what is sent before the link is up is lost harmlessly, and the sync says
    // hello again once the PubSub is linked (and after every outage).
    this.presenceSync = this.pubsub.adapter ? new PresenceSync(this.presence, this.pubsub, { log: this.log }) : null;
    this.presenceSync?.start();
    this.limits = checkLimits(options.limits);
    this.session = { ...defaultSessionConfig, ...options.session };
    this.#connect = options.connect ?? (() => ({}));
    this.#channels = { exact: new Map(), prefixes: [] };
    for (const channel of options.channels ?? []) this.addChannel(channel);
  }

  addChannel(channel: ChannelDefinition<any>): void {
    const pattern = channel.topic;
    if (pattern.startsWith(LIVE_TOPIC_PREFIX)) throw sbError("SB_ERR_CHANNEL_DEFINITION", `a topic outside "${LIVE_TOPIC_PREFIX}*" (reserved for live views)`, JSON.stringify(pattern));
    if (pattern.endsWith("*")) this.#channels.prefixes.push([pattern.slice(0, -1), channel]);
    else this.#channels.exact.set(pattern, channel);
    this.#channels.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  get connections(): ReadonlySet<Connection> {
    return this.#connections;
  }

  /** Runs the connect hook; a refusal (false or a throw) yields null. */
  async connect(transport: Transport, info: ConnectInfo, params: Record<string, string>): Promise<Connection | null> {
    let result: ConnectResult;
    try {
      result = await this.#connect(params, info);
    } catch (err) {
      this.log.warn({ err, code: "SB_ERR_CONNECT_REFUSED" }, "connect hook threw; refusing the connection");
      return null;
    }
    if (result === false) return null;
    const connection = new Connection(this, transport, info, result.id ?? null, result.assigns ?? NO_ASSIGNS);
    this.#connections.add(connection);
    this.metrics.count("connections");
    this.#startSweeper();
    return connection;
  }

  forget(connection: Connection): void {
    this.#connections.delete(connection);
    if (this.#connections.size === 0) this.#stopSweeper();
  }

  createProcess(connection: Connection, topic: string, joinRef: string | null): ChannelProcess | null {
    if (topic.startsWith(LIVE_TOPIC_PREFIX)) return new LiveProcess(connection, topic, joinRef);
    const channel = this.#channels.exact.get(topic) ?? this.#channels.prefixes.find(([prefix]) => topic.startsWith(prefix))?.[1];
    return channel ? new ChannelRunner(connection, topic, joinRef, channel) : null;
  }

  reportCrash(topic: string, error: unknown, connection: Connection): void {
    for (const listener of this.crashListeners) listener(topic, error, connection);
  }

  /** Closes every connection that connected with this socket id, on this node. */
  disconnect(socketId: string): void {
    this.pubsub.broadcast(socketTopic(socketId), "disconnect", {});
  }

  #startSweeper(): void {
    if (this.#sweeper) return;
    const every = Math.max(50, Math.min(5_000, this.limits.idleTimeoutMs / 4));
    this.#sweeper = setInterval(() => this.sweep(), every);
    this.#sweeper.unref();
  }

  #stopSweeper(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = null;
  }

  /** Closes connections that have been silent for longer than the idle timeout. */
  sweep(now = Date.now()): void {
    for (const connection of this.#connections) {
      if (now - connection.lastSeen > this.limits.idleTimeoutMs) {
        this.log.info({ socketId: connection.socketId }, "idle connection; closing");
        connection.close(CloseCode.idle, "heartbeat timeout");
      }
    }
  }

  /** Tells every client to reconnect (elsewhere) and closes its connection; says goodbye to the cluster. */
  shutdown(): void {
    this.#stopSweeper();
    for (const connection of [...this.#connections]) connection.close(CloseCode.goingAway, "server shutting down");
    this.presenceSync?.stop();
  }
}
