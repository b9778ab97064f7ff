// The part of the official `phoenix` client (which ships no types) that the tests use.

declare module "phoenix" {
  export interface SocketOptions {
    transport?: new (url: string, protocols?: string | string[]) => unknown;
    params?: Record<string, unknown> | (() => Record<string, unknown>);
    timeout?: number;
    heartbeatIntervalMs?: number;
    reconnectAfterMs?: (tries: number) => number;
    rejoinAfterMs?: (tries: number) => number;
    logger?: (kind: string, msg: string, data: unknown) => void;
    vsn?: string;
  }

  export interface Message {
    join_ref: string | null;
    ref: string | null;
    topic: string;
    event: string;
    payload: any;
  }

  export class Push {
    receive(status: "ok" | "error" | "timeout", callback: (response: any) => void): Push;
  }

  export class Channel {
    readonly topic: string;
    readonly state: string;
    join(timeout?: number): Push;
    leave(timeout?: number): Push;
    push(event: string, payload: object, timeout?: number): Push;
    on(event: string, callback: (payload: any, ref?: string, joinRef?: string) => void): number;
    off(event: string, ref?: number): void;
    onClose(callback: (payload: any) => void): number;
    onError(callback: (reason?: any) => void): number;
  }

  export class Socket {
    constructor(endPoint: string, opts?: SocketOptions);
    connect(params?: Record<string, unknown>): void;
    disconnect(callback?: () => void, code?: number, reason?: string): void;
    channel(topic: string, params?: object | (() => object)): Channel;
    isConnected(): boolean;
    endPointURL(): string;
    onOpen(callback: () => void): string;
    onClose(callback: (event: { code: number; reason: string }) => void): string;
    onError(callback: (error: unknown) => void): string;
    onMessage(callback: (message: Message) => void): string;
  }
}
