// Databases for the store's tests: every test suite runs on the embedded PGlite and, whenever a
// PostgreSQL server is reachable (always in CI), on a fresh database of its own on that server,
// dropped afterwards. describeDatabases() runs one conformance suite on both drivers.

import postgres from "postgres";
import { describe } from "vitest";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { randomId } from "../../src/switchboard/token.ts";

/** The server the tests may use: DATABASE_URL, or the local one on 127.0.0.1:5432. */
export const postgresUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function probe(): Promise<string | null> {
  const sql = postgres(postgresUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

const unreachable = await probe();
export const hasPostgres = unreachable === null;
if (!hasPostgres) {
  const reason = `PostgreSQL not reachable at ${postgresUrl} (${unreachable}); set DATABASE_URL or start a local server`;
  if (process.env.CI) throw new Error(`PostgreSQL tests cannot run in CI: ${reason}`);
  console.warn(`skipping PostgreSQL tests: ${reason}`);
}

/** The URL of `postgresUrl`'s server with another database name. */
export function urlFor(database: string, base = postgresUrl): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  readonly database: Database;
  /** The PostgreSQL URL of this database (null on PGlite). */
  readonly url: string | null;
  /** The database's name on the server (null on PGlite). */
  readonly name: string | null;
  drop(): Promise<void>;
}

/** A migrated, empty database of the given kind, its own. */
export async function createTestDatabase(kind: "pglite" | "postgres"): Promise<TestDatabase> {
  if (kind === "pglite") {
    const database = await openDatabase({ dataDir: "memory://" });
    await database.migrate();
    return { database, url: null, name: null, drop: () => database.close() };
  }
  const name = `sb_test_${randomId(9).toLowerCase().replace(/[^a-z0-9]/g, "")}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = urlFor(name);
  const database = await openDatabase({ url });
  await database.migrate();
  return {
    database,
    url,
    name,
    drop: async () => {
      await database.close().catch(() => {});
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 2 });
    },
  };
}

export const databaseKinds = ["pglite", "postgres"] as const;

/** Runs `suite` once per driver: always on PGlite, on PostgreSQL when reachable (always in CI). */
export function describeDatabases(name: string, suite: (kind: "pglite" | "postgres") => void): void {
  for (const kind of databaseKinds) {
    describe.skipIf(kind === "postgres" && !hasPostgres)(`${name} [${kind}]`, () => suite(kind));
  }
}

/** A fresh, empty database of its own on the server (no schema): for tests of the framework alone. */
export async function createEmptyDatabase(): Promise<{ readonly name: string; readonly url: string; drop(): Promise<void> }> {
  const name = `sb_test_${randomId(9).toLowerCase().replace(/[^a-z0-9]/g, "")}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  return {
    name,
    url: urlFor(name),
    drop: async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 2 });
    },
  };
}
