// DATA_DIR/server.json: a process claims the folder, a live owner is refused, a dead one's file
// is taken over, the file is private (0600), and only its owner removes it.

import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { claimFolder, folderOwner, FolderInUseError, readServerFile, serverFilePath } from "../../src/store/server-file.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sb-server-file-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

test("claims a free folder, publishes the port and token privately, and removes the file on release", () => {
  const claim = claimFolder(join(dir, "data"));
  const path = serverFilePath(join(dir, "data"));
  expect(readServerFile(join(dir, "data"))).toEqual({ pid: process.pid, port: null, token: null });
  expect(statSync(path).mode & 0o777).toBe(0o600);
  claim.publish(4321, "secret-token");
  expect(readServerFile(join(dir, "data"))).toEqual({ pid: process.pid, port: 4321, token: "secret-token" });
  expect(statSync(path).mode & 0o777).toBe(0o600);
  claim.release();
  expect(existsSync(path)).toBe(false);
  expect(folderOwner(join(dir, "data"))).toEqual({ state: "none" });
});

test("refuses a folder a live process holds", async () => {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
  try {
    writeFileSync(serverFilePath(dir), JSON.stringify({ pid: child.pid, port: 4000, token: "t" }));
    expect(folderOwner(dir)).toEqual({ state: "live", file: { pid: child.pid, port: 4000, token: "t" } });
    expect(() => claimFolder(dir)).toThrow(FolderInUseError);
    expect(() => claimFolder(dir)).toThrow(`the data folder ${dir} is in use by process ${child.pid} (the server on port 4000); stop it or use another DATA_DIR`);
    expect(readServerFile(dir)!.pid).toBe(child.pid);
  } finally {
    child.kill();
    await once(child, "exit");
  }
});

test("takes over a dead process's file, or a damaged one", () => {
  writeFileSync(serverFilePath(dir), JSON.stringify({ pid: deadPid(), port: 4000, token: "t" }));
  expect(folderOwner(dir).state).toBe("stale");
  claimFolder(dir).release();
  writeFileSync(serverFilePath(dir), "{not json");
  expect(folderOwner(dir).state).toBe("stale");
  const claim = claimFolder(dir);
  expect(readServerFile(dir)!.pid).toBe(process.pid);
  claim.release();
});

test("release leaves a file that another process has since written alone", () => {
  const claim = claimFolder(dir);
  const other = { pid: deadPid(), port: 1, token: "x" };
  writeFileSync(serverFilePath(dir), JSON.stringify(other));
  claim.release();
  expect(readServerFile(dir)).toEqual(other);
});
