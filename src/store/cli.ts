// `npm run store -- <command>`: the operator's CLI. With DATABASE_URL it works on PostgreSQL
// directly. On the embedded database it never opens the files while a server runs on them: it
// sends the command to that server's local endpoint instead, and otherwise claims the folder
// for as long as it works on it. Exit codes: 0 done, 1 could not be done, 2 bad arguments.

import { pathToFileURL } from "node:url";
import { CLI_PATH, CLI_TOKEN_HEADER, exitCodeOf, type CliMessage } from "./cli-endpoint.ts";
import { readConfig, type StoreConfig } from "./config.ts";
import { CommandError, parseCommand, runCommand, usage, type OperatorCommand } from "./operator-command.ts";
import { claimFolder, folderOwner, type FolderClaim, type ServerFile } from "./server-file.ts";
import { isMemoryDir, openStore } from "./store.ts";

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const command = parseCommand(argv);
    if (command.name === "help") {
      console.log(usage);
      return 0;
    }
    return await dispatch(readConfig(), argv, command);
  } catch (error) {
    console.error(`store: ${(error as Error).message}`);
    return exitCodeOf(error);
  }
}

async function dispatch(config: StoreConfig, argv: readonly string[], command: OperatorCommand): Promise<number> {
  if (config.databaseUrl) return direct(config, command, null);
  if (isMemoryDir(config.dataDir)) throw new CommandError(`DATA_DIR=${config.dataDir} keeps nothing between processes; point DATA_DIR at the server's folder`);
  const owner = folderOwner(config.dataDir);
  if (owner.state === "live" && owner.file.port !== null && owner.file.token !== null) return forward(owner.file, argv);
  // Free, stale, or held by a live process: claimFolder takes the first two and refuses the last.
  return direct(config, command, claimFolder(config.dataDir));
}

/** Works on the database itself. */
async function direct(config: StoreConfig, command: OperatorCommand, claim: FolderClaim | null): Promise<number> {
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    const store = await openStore({ config, seed: false, scheduler: false });
    try {
      await runCommand(store, command, { log: (line) => console.log(line), signal: controller.signal });
    } finally {
      await store.close();
    }
    return 0;
  } finally {
    claim?.release();
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

/** Sends the command to the server that owns the embedded database. */
async function forward(server: ServerFile, argv: readonly string[]): Promise<number> {
  const url = `http://127.0.0.1:${server.port}${CLI_PATH}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", [CLI_TOKEN_HEADER]: server.token! },
      body: JSON.stringify({ argv }),
    });
  } catch (error) {
    throw new CommandError(`the server (process ${server.pid}) holds the embedded database but does not answer at ${url} (${(error as Error).cause ?? error}); wait for it to start or stop it`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new CommandError(`the server at ${url} refused the command (${response.status}): ${body.error ?? response.statusText}`);
  }
  let exitCode: number | null = null;
  for await (const message of messages(response)) {
    if ("line" in message) console.log(message.line);
    else {
      if (message.error) console.error(`store: ${message.error}`);
      exitCode = message.exitCode;
    }
  }
  if (exitCode === null) throw new CommandError(`the server at ${url} stopped before the command finished`);
  return exitCode;
}

async function* messages(response: Response): AsyncGenerator<CliMessage> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (text.trim()) yield JSON.parse(text) as CliMessage;
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
