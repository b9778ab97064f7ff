// The store's database behind one interface, on two drivers: PGlite (embedded PostgreSQL, the
// default when DATABASE_URL is unset; data kept in DATA_DIR) and a PostgreSQL server through the
// `postgres` client. The same drizzle schema, migrations and queries run on both.

import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { schema } from "./schema.ts";

export type StoreDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly db: StoreDb;
  /** The `postgres` client (PostgreSQL only), for LISTEN/NOTIFY and raw statements. */
  readonly sql: postgres.Sql | null;
  /** Applies the migrations in migrations/ that have not run yet. */
  migrate(): Promise<void>;
  /**
   * Runs `task` while no other process sharing this database runs one (a PostgreSQL advisory
   * lock): nodes starting together migrate and seed one after the other, never at once.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent the embedded PGlite is used. */
  url?: string;
  /** PGlite's folder (default ".data/pglite"); "memory://" keeps it in memory (tests). */
  dataDir?: string;
  /** Connections in the pool (PostgreSQL only; default 10). */
  poolSize?: number;
}

/** The advisory lock key nodes take while they migrate and seed ("sb23" as an integer). */
const STARTUP_LOCK = 0x73623233;

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 10) : openPglite(options.dataDir ?? ".data/pglite");
}

async function openPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  await client.waitReady;
  const db = drizzlePglite({ client, schema }) as unknown as StoreDb;
  return {
    kind: "pglite",
    db,
    sql: null,
    migrate: () => migratePglite(db as never, { migrationsFolder }),
    // One process owns an embedded database: nobody to wait for.
    exclusive: (task) => task(),
    close: () => client.close(),
  };
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const sql = postgres(url, { max, onnotice: () => {}, connect_timeout: 5, idle_timeout: 60 });
  const db = drizzlePostgres(sql, { schema }) as unknown as StoreDb;
  return {
    kind: "postgres",
    db,
    sql,
    migrate: () => migratePostgres(db as never, { migrationsFolder }),
    async exclusive(task) {
      // Session-level locks belong to one connection: hold one for the task's whole length.
      const connection = await sql.reserve();
      try {
        await connection`select pg_advisory_lock(${STARTUP_LOCK})`;
        try {
          return await task();
        } finally {
          await connection`select pg_advisory_unlock(${STARTUP_LOCK})`;
        }
      } finally {
        connection.release();
      }
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
