// `npm run db:migrate` / `db:seed` on the app's configuration: the embedded database in DATA_DIR
// (never while a server holds it) or DATABASE_URL.

import { count } from "drizzle-orm";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { openDatabase } from "../../src/store/database.ts";
import { main } from "../../src/store/db-tasks.ts";
import { products } from "../../src/store/schema.ts";
import { createTestDatabase, hasPostgres } from "../support/databases.ts";

let out: string[];
beforeEach(() => {
  out = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, "error").mockImplementation((line: string) => void out.push(line));
});
afterEach(() => vi.restoreAllMocks());

describe("on the embedded database", () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "sb-db-tasks-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = () => ({ DATA_DIR: dataDir });

  test("migrate, then seed an empty database once, then start it over with --force", async () => {
    expect(await main(["migrate"], env())).toBe(0);
    expect(await main(["seed", "--deterministic"], env())).toBe(0);
    expect(await main(["seed"], env())).toBe(0);
    expect(await main(["seed", "--force", "--products", "5", "--released"], env())).toBe(0);
    expect(out).toEqual([
      "migrated the embedded database",
      "migrated the embedded database",
      "seeded 2 products, 26 items",
      "migrated the embedded database",
      "the database already has products; pass --force to start it over",
      "migrated the embedded database",
      "seeded 5 products, 65 items",
    ]);
    const database = await openDatabase({ dataDir: join(dataDir, "pglite") });
    try {
      expect((await database.db.select({ n: count() }).from(products))[0]!.n).toBe(5);
    } finally {
      await database.close();
    }
  });

  test("refuses a folder a live server holds, and bad arguments", async () => {
    writeFileSync(join(dataDir, "server.json"), JSON.stringify({ pid: process.ppid, port: 4000, token: "t" }));
    expect(await main(["migrate"], env())).toBe(1);
    expect(out.at(-1)).toMatch(/in use by process/);
    expect(await main(["seed", "--products", "0"], env())).toBe(2);
    expect(out.at(-1)).toMatch(/--products must be a whole number of at least 1/);
    expect(await main(["drop"], env())).toBe(2);
  });
});

describe.skipIf(!hasPostgres)("on PostgreSQL (DATABASE_URL)", () => {
  test("migrates and seeds", async () => {
    const t = await createTestDatabase("postgres");
    try {
      expect(await main(["seed", "--seed", "7"], { DATABASE_URL: t.url! })).toBe(0);
      expect(out).toEqual(["migrated the PostgreSQL database", "seeded 2 products, 26 items"]);
      expect((await t.database.db.select({ n: count() }).from(products))[0]!.n).toBe(2);
    } finally {
      await t.drop();
    }
  });
});
