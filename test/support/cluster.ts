// Real store nodes for the cluster tests: each `src/main.ts` in its own child process on
// 127.0.0.1, sharing one test database and a channel prefix of the test's own; pages opened on a
// node over a real websocket (the shared merge keeps each view's HTML, as the browser would).

import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { randomId } from "../../src/switchboard/token.ts";
import { LiveClient, TestSocket, type Page, type TestServer } from "./socket-client.ts";

export interface ClusterEnv {
  readonly DATABASE_URL: string;
  readonly PUBSUB: "postgres" | "redis";
  readonly PUBSUB_PREFIX: string;
  readonly REDIS_URL?: string;
}

export class StoreNode {
  readonly name: string;
  readonly child: ChildProcess;
  url = "";
  #output = "";

  private constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
  }

  /** Starts a node and resolves once it listens. */
  static async start(env: ClusterEnv, name = `n${randomId(3)}`): Promise<StoreNode> {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, ...env, PORT: "0", HOST: "127.0.0.1", NODE_NAME: name, DATA_DIR: "", LOG_LEVEL: "info", NODE_ENV: "test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const node = new StoreNode(name, child);
    node.url = await new Promise<string>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        node.#output += chunk.toString();
        const match = /Switchboard listening on (http:\/\/\S+?)"/.exec(node.#output);
        if (match) resolve(match[1]!);
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.once("exit", (code, signal) => reject(new Error(`node ${name} exited (${signal ?? code}) before listening:\n${node.#output}`)));
    });
    return node;
  }

  get server(): TestServer {
    return { app: null as never, url: this.url, close: async () => {} };
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.#output;
  }

  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.child, "exit");
    this.child.kill(signal);
    await exited;
  }
}

/** A browser tab on a node: the page over HTTP, then its live view over a websocket. */
export interface Tab {
  readonly node: StoreNode;
  readonly cookie: string;
  readonly socket: TestSocket;
  readonly view: LiveClient;
  html(): string;
  close(): void;
}

export async function openTab(node: StoreNode, path: string, options: { cookie?: string; authorization?: string } = {}): Promise<Tab> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.authorization) headers.authorization = options.authorization;
  const response = await fetch(node.url + path, { headers, redirect: "manual" });
  const html = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} on ${node.name}: HTTP ${response.status} ${html.slice(0, 200)}`);
  const setCookie = response.headers.get("set-cookie");
  const cookie = setCookie ? setCookie.split(";")[0]! : (options.cookie ?? "");
  const page: Page = {
    status: response.status,
    html,
    cookie,
    session: /data-phx-session="([^"]+)"/.exec(html)?.[1] ?? "",
    csrf: /name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? "",
    id: /<div id="(phx-[^"]+)" data-phx-main/.exec(html)?.[1] ?? "",
    headers: response.headers,
  };
  const socket = await TestSocket.connect(node.server, { cookie });
  const view = await LiveClient.join(socket, page, node.server, path);
  if (view.joinReply?.[4].status !== "ok") throw new Error(`join of ${path} on ${node.name} refused: ${JSON.stringify(view.joinReply?.[4])}`);
  return { node, cookie, socket, view, html: () => view.html(), close: () => socket.close() };
}

export const basicAuth = (user = "admin", password = "admin") => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/** Polls `check` until it returns true; fails with `what` and the last value seen. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
