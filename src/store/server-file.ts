// DATA_DIR/server.json: which process owns the embedded database's folder. Two processes on one
// PGlite folder corrupt it, so a server (and a CLI working on the files itself) claims the folder
// before opening it; a running server adds its port and the token of its local CLI endpoint.
// A file left by a dead process is stale and taken over.

import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ServerFile {
  readonly pid: number;
  /** Set once the server listens; null while it starts, and for a CLI holding the folder. */
  readonly port: number | null;
  readonly token: string | null;
}

export type FolderOwner = { readonly state: "none" } | { readonly state: "stale" | "live"; readonly file: ServerFile };

export class FolderInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly file: ServerFile,
  ) {
    const who = file.port === null ? "a starting server or another store command" : `the server on port ${file.port}`;
    super(`the data folder ${dataDir} is in use by process ${file.pid} (${who}); stop it or use another DATA_DIR`);
  }
}

export const serverFilePath = (dataDir: string) => join(dataDir, "server.json");

export function readServerFile(dataDir: string): ServerFile | null {
  let text: string;
  try {
    text = readFileSync(serverFilePath(dataDir), "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as Partial<ServerFile>;
    if (!Number.isInteger(parsed.pid)) return { pid: 0, port: null, token: null };
    return { pid: parsed.pid!, port: Number.isInteger(parsed.port) ? parsed.port! : null, token: typeof parsed.token === "string" ? parsed.token : null };
  } catch {
    // Half-written or damaged: no live owner can be read from it.
    return { pid: 0, port: null, token: null };
  }
}

export function folderOwner(dataDir: string): FolderOwner {
  const file = readServerFile(dataDir);
  if (!file) return { state: "none" };
  return { state: file.pid !== process.pid && isAlive(file.pid) ? "live" : "stale", file };
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface FolderClaim {
  /** Adds the listening port and the CLI endpoint's token. */
  publish(port: number, token: string): void;
  /** Removes the file, if it is still this process's. */
  release(): void;
}

/** Claims the folder for this process, or throws FolderInUseError when a live process holds it. */
export function claimFolder(dataDir: string): FolderClaim {
  mkdirSync(dataDir, { recursive: true });
  const path = serverFilePath(dataDir);
  const mine: ServerFile = { pid: process.pid, port: null, token: null };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(mine), { flag: "wx", mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = folderOwner(dataDir);
      if (owner.state === "live") throw new FolderInUseError(dataDir, owner.file);
      if (attempt > 0) throw new FolderInUseError(dataDir, owner.state === "stale" ? owner.file : mine);
      // Stale: remove it and create ours exclusively, so that of two processes taking it over at
      // once only one succeeds.
      rmSync(path, { force: true });
    }
  }
  chmodSync(path, 0o600);
  return {
    publish(port, token) {
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ pid: process.pid, port, token } satisfies ServerFile), { mode: 0o600 });
      chmodSync(temporary, 0o600);
      renameSync(temporary, path);
    },
    release() {
      if (readServerFile(dataDir)?.pid === process.pid) rmSync(path, { force: true });
    },
  };
}
