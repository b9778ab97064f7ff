// The store CLI as a real process: help and argument errors, the commands on a fresh embedded
// database and on PostgreSQL, and, while a real server runs on the embedded database, the
// commands going through the server (never opening its files), with stale and busy folders.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { readServerFile, serverFilePath } from "../../src/store/server-file.ts";
import { createTestDatabase, hasPostgres, type TestDatabase } from "../support/databases.ts";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function store(args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/store/cli.ts", ...args], {
    env: { ...process.env, DATABASE_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return once(child, "exit").then(([code]) => ({ code: code as number | null, stdout, stderr }));
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sb-cli-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("store CLI: help and bad arguments", () => {
  test("--help prints the usage and exits 0", async () => {
    const run = await store(["--help"], { DATA_DIR: join(tempDir(), "never") });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: npm run store -- <command> [options]");
    expect(run.stdout).toContain("schedule <product id> <ISO time | none>");
  });

  test("bad arguments exit 2 with the reason on stderr, before any database is opened", async () => {
    const dataDir = join(tempDir(), "never");
    const cases: [string[], string][] = [
      [["launch", "1"], 'store: unknown command "launch"'],
      [["release"], "store: release expects <product id>; received nothing"],
      [["release", "shoe"], 'store: a product id is a positive whole number; received "shoe"'],
      [["schedule", "1", "soon"], "store: the release time must be an ISO 8601 time"],
      [["simulate", "--per-tick", "none"], "store: --per-tick must be a whole number of at least 1"],
    ];
    const runs = await Promise.all(cases.map(([args]) => store(args, { DATA_DIR: dataDir })));
    runs.forEach((run, i) => {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(cases[i]![1]);
      expect(run.stdout).toBe("");
    });
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe("store CLI on the embedded database (no server)", () => {
  let env: Record<string, string>;
  beforeAll(() => {
    env = { DATA_DIR: tempDir() };
  });

  test("seeds, releases, schedules and simulates, leaving the folder free", async () => {
    let run = await store(["seed", "--deterministic"], env);
    expect(run).toMatchObject({ code: 0, stdout: "seeded 2 products, 26 items\n", stderr: "" });
    run = await store(["seed"], env);
    expect(run).toMatchObject({ code: 0, stdout: "the database already has products; pass --force to start it over\n" });
    run = await store(["release", "1"], env);
    expect(run).toMatchObject({ code: 0, stdout: "product 1 (Snks 23 Hop Man 3) released\n" });
    run = await store(["release", "1"], env);
    expect(run.stdout).toBe("product 1 (Snks 23 Hop Man 3) was already released\n");
    run = await store(["schedule", "2", "2030-01-31T18:00:00Z"], env);
    expect(run.stdout).toBe("product 2 (Asler Breezy Boost 600) will be released at 2030-01-31T18:00:00.000Z\n");
    run = await store(["simulate", "--per-tick", "2000", "--tick-ms", "0"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/simulator: sold out after \d+ ticks: \d+ sales/);
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toMatchObject({ soldOut: true, aborted: false });
    expect(existsSync(serverFilePath(env.DATA_DIR!))).toBe(false);
  }, 90_000); // selling ~6,000 units on the embedded database takes about 10 s alone, longer on a busy machine

  test("an unknown product id exits 1 with a clear message", async () => {
    const run = await store(["release", "999"], env);
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr).toBe("store: STORE_ERR_UNKNOWN_PRODUCT: There is no product with the id 999. Use the id of a product in the catalog (npm run store -- seed creates one).\n");
    const schedule = await store(["schedule", "999", "none"], env);
    expect(schedule.code).toBe(1);
    expect(schedule.stderr).toContain("STORE_ERR_UNKNOWN_PRODUCT");
    // Product 1 was released above: it cannot be scheduled any more.
    const released = await store(["schedule", "1", "2031-01-01T00:00:00Z"], env);
    expect(released.code).toBe(1);
    expect(released.stderr).toContain("store: STORE_ERR_ALREADY_RELEASED: The product 1 is already released");
  });

  test("a stale server.json (dead process) is taken over", async () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    writeFileSync(serverFilePath(env.DATA_DIR!), JSON.stringify({ pid: dead, port: 1, token: "old" }));
    const run = await store(["release", "2"], env);
    expect(run).toMatchObject({ code: 0, stdout: "product 2 (Asler Breezy Boost 600) released\n" });
    expect(existsSync(serverFilePath(env.DATA_DIR!))).toBe(false);
  });

  test("a folder a live process holds without a server is refused", async () => {
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      writeFileSync(serverFilePath(env.DATA_DIR!), JSON.stringify({ pid: holder.pid, port: null, token: null }));
      const run = await store(["release", "1"], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`is in use by process ${holder.pid} (a starting server or another store command)`);
    } finally {
      holder.kill();
      await once(holder, "exit");
      rmSync(serverFilePath(env.DATA_DIR!), { force: true });
    }
  });
});

describe("store CLI while a server runs on the embedded database", () => {
  let server: ChildProcess;
  let output = "";
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDir();
    server = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, DATABASE_URL: "", DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Switchboard listening on")) resolve();
      });
      server.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      server.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    });
  });
  afterAll(async () => {
    if (server.exitCode === null) {
      server.kill("SIGTERM");
      await once(server, "exit");
    }
  });

  test("the server seeded its fresh folder and published its port and token privately", () => {
    expect(output).toContain("store: embedded database in");
    expect(output).toContain("2 products");
    const file = readServerFile(dataDir)!;
    expect(file.pid).toBe(server.pid);
    expect(file.port).toBeGreaterThan(0);
    expect(file.token).toMatch(/^[\w-]{40,}$/);
    expect(statSync(serverFilePath(dataDir)).mode & 0o777).toBe(0o600);
  });

  test("commands go through the server's endpoint", async () => {
    let run = await store(["release", "1"], { DATA_DIR: dataDir });
    expect(run).toMatchObject({ code: 0, stdout: "product 1 (Snks 23 Hop Man 3) released\n", stderr: "" });
    // The server's own memory knows: it answers the second release.
    run = await store(["release", "1"], { DATA_DIR: dataDir });
    expect(run.stdout).toBe("product 1 (Snks 23 Hop Man 3) was already released\n");
    expect(output).toContain("/_store/cli");
    run = await store(["release", "42"], { DATA_DIR: dataDir });
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr).toContain("store: STORE_ERR_UNKNOWN_PRODUCT: There is no product with the id 42.");
  });

  test("a simulation streams its progress from the server, and stops when the CLI is interrupted", async () => {
    const cli = spawn(process.execPath, ["--import", "tsx", "src/store/cli.ts", "simulate", "--per-tick", "1", "--tick-ms", "20"], {
      env: { ...process.env, DATABASE_URL: "", DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    await new Promise<void>((resolve) =>
      cli.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("simulator: tick 2: sold 1")) resolve();
      }),
    );
    const finished = output.length;
    cli.kill("SIGINT");
    await once(cli, "exit");
    // The server saw the connection go and stopped the simulator.
    await expect.poll(() => output.slice(finished), { timeout: 5000 }).toMatch(/"command":"simulate","exitCode":0,"aborted":true/);
  });

  test("the endpoint refuses a wrong token", async () => {
    const { port } = readServerFile(dataDir)!;
    const response = await fetch(`http://127.0.0.1:${port}/_store/cli`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-store-token": "guess" },
      body: JSON.stringify({ argv: ["release", "2"] }),
    });
    expect(response.status).toBe(401);
  });

  test("a second server on the same folder refuses to start; stopping the server removes server.json", async () => {
    const second = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, DATABASE_URL: "", DATA_DIR: dataDir, PORT: "0" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`could not start: the data folder ${dataDir} is in use by process ${server.pid}`);
    server.kill("SIGTERM");
    const [code] = await once(server, "exit");
    expect(code).toBe(0);
    expect(existsSync(serverFilePath(dataDir))).toBe(false);
    // Now the CLI works on the files itself, and sees what the server did.
    const run = await store(["release", "1"], { DATA_DIR: dataDir });
    expect(run.stdout).toBe("product 1 (Snks 23 Hop Man 3) was already released\n");
  });
});

describe.skipIf(!hasPostgres)("store CLI on PostgreSQL", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("postgres");
  });
  afterEach(() => {});
  afterAll(() => t?.drop());

  test("works on the database directly, wherever DATA_DIR points", async () => {
    const env = { DATABASE_URL: t.url!, DATA_DIR: join(tempDir(), "unused") };
    let run = await store(["seed", "--deterministic", "--products", "3"], env);
    expect(run).toMatchObject({ code: 0, stdout: "seeded 3 products, 39 items\n" });
    run = await store(["release", "3"], env);
    expect(run.stdout).toMatch(/^product 3 \(.+\) released\n$/);
    run = await store(["release", "7"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("STORE_ERR_UNKNOWN_PRODUCT");
    run = await store(["simulate", "--per-tick", "5000", "--tick-ms", "0"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/simulator: sold out/);
    expect(existsSync(env.DATA_DIR)).toBe(false);
  });
});
