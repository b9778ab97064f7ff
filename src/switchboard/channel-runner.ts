// Runs a ChannelDefinition as a process: join authorisation, handleIn with reply / no reply /
// stop, handleInfo, and the fast lane that sends broadcasts on the channel's own topic straight
// to the client (encoded once for all subscribers) unless the event is intercepted.

import { broadcastFrame, ChannelProcess, Reply, Stop, type ChannelDefinition, type ChannelSocket } from "./channel.ts";
import type { Connection } from "./connection.ts";
import type { Message } from "./pubsub.ts";

export class ChannelRunner extends ChannelProcess {
  readonly definition: ChannelDefinition<any>;
  readonly socket: ChannelSocket;
  readonly #intercept: ReadonlySet<string>;

  constructor(connection: Connection, topic: string, joinRef: string | null, definition: ChannelDefinition<any>) {
    super(connection, topic, joinRef);
    this.definition = definition;
    this.#intercept = new Set(definition.intercept ?? []);
    const self = this;
    this.socket = {
      topic,
      socketId: connection.socketId,
      connectAssigns: connection.assigns,
      assigns: {},
      push: (event, payload) => self.push(event, payload),
      broadcast: (event, payload) => self.pubsub.broadcast(topic, event, payload),
      broadcastFrom: (event, payload) => self.pubsub.broadcastFrom(self, topic, event, payload),
      subscribe: (t) => self.subscribe(t),
      unsubscribe: (t) => self.unsubscribe(t),
      get pubsub() {
        return self.pubsub;
      },
      track: (t, key, meta = {}) => void connection.endpoint.presence.track(self, t, key, meta),
      untrack: (t, key) => connection.endpoint.presence.untrack(self, t, key),
      get presence() {
        return connection.endpoint.presence;
      },
    };
  }

  describe(): Record<string, unknown> {
    return { topic: this.topic, channel: this.definition.topic };
  }

  override deliver(message: Message): void {
    if (message.topic !== this.topic) return super.deliver(message);
    if (this.ended) return;
    if (this.#intercept.has(message.event)) {
      this.mailbox.push(() => this.definition.handleOut!(message.event, message.payload as Record<string, unknown>, this.socket));
    } else {
      this.connection.send(broadcastFrame(message));
    }
  }

  async join(payload: Record<string, unknown>, ref: string | null): Promise<void> {
    let result: Reply | void;
    try {
      result = await this.definition.join(this.topic, payload, this.socket);
    } catch (error) {
      this.connection.endpoint.log.error({ err: error, ...this.describe() }, "join failed");
      this.connection.endpoint.reportCrash(this.topic, error, this.connection);
      this.reply(ref, "error", { reason: "join crashed" });
      this.end("join crashed", "none");
      return;
    }
    if (result instanceof Reply && result.status === "error") {
      this.reply(ref, "error", result.response);
      this.end("join refused", "none");
      return;
    }
    this.joined = true;
    this.subscribe(this.topic);
    this.reply(ref, "ok", result instanceof Reply ? result.response : {});
  }

  async handleIn(event: string, payload: Record<string, unknown>, ref: string | null): Promise<void> {
    if (!this.definition.handleIn) {
      this.reply(ref, "error", { reason: `unknown event ${JSON.stringify(event)}`, code: "SB_ERR_UNKNOWN_EVENT" });
      return;
    }
    const result = await this.definition.handleIn(event, payload, this.socket);
    if (result instanceof Reply) this.reply(ref, result.status, result.response);
    else if (result instanceof Stop) {
      if (result.reply) this.reply(ref, result.reply.status, result.reply.response);
      this.end(result.reason, "close");
    }
  }

  async handleInfo(message: Message): Promise<void> {
    await this.definition.handleInfo?.(message, this.socket);
  }

  terminate(reason: string): void {
    // As in Phoenix: a join that was refused or threw never started the channel; nothing to end.
    if (this.joined) this.definition.terminate?.(reason, this.socket);
  }
}
