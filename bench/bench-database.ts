// The database one benchmark run stands on: a new, empty PostgreSQL database on the local server
// (dropped afterwards), or the embedded PGlite in memory when no server answers. BENCH_DATABASE=
// postgres|pglite forces one; the server is DATABASE_URL's, else postgres://postgres@127.0.0.1:5432.

import postgres from "postgres";
import { randomBytes } from "node:crypto";

export interface BenchDatabase {
  readonly kind: "postgres" | "pglite";
  /** The new database's URL (undefined on PGlite: the store server opens memory://). */
  readonly url: string | undefined;
  /** For the printed table, e.g. "PostgreSQL 15.20 (127.0.0.1:5432, fresh database)". */
  readonly description: string;
  /** Drops the database (nothing to do on PGlite); safe to call twice. */
  drop(): Promise<void>;
}

const serverUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

/** The server's version, or null with the reason it did not answer. */
async function probe(): Promise<{ version: string } | { error: string }> {
  const sql = postgres(serverUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
    return { version: row!.v.split(" ")[0]! };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

export async function freshDatabase(): Promise<BenchDatabase> {
  const wanted = process.env.BENCH_DATABASE ?? "auto";
  if (!["auto", "postgres", "pglite"].includes(wanted)) throw new Error(`BENCH_DATABASE must be postgres, pglite or unset; received ${JSON.stringify(wanted)}`);
  if (wanted !== "pglite") {
    const reached = await probe();
    if ("version" in reached) return create(reached.version);
    if (wanted === "postgres") throw new Error(`BENCH_DATABASE=postgres but PostgreSQL at ${new URL(serverUrl).host} did not answer: ${reached.error}`);
    console.warn(`bench: PostgreSQL at ${new URL(serverUrl).host} did not answer (${reached.error}); using the embedded PGlite in memory`);
  }
  const why = wanted === "pglite" ? "BENCH_DATABASE=pglite" : "no PostgreSQL server answered";
  return { kind: "pglite", url: undefined, description: `PGlite in memory, in the server's process (${why})`, drop: async () => {} };
}

async function create(version: string): Promise<BenchDatabase> {
  const name = `sb_bench_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | null = null;
  return {
    kind: "postgres",
    url: url.toString(),
    description: `PostgreSQL ${version} at ${url.host} (fresh database, dropped after)`,
    drop: () =>
      (dropped ??= (async () => {
        try {
          await admin.unsafe(`drop database if exists "${name}" with (force)`);
        } finally {
          await admin.end({ timeout: 2 }).catch(() => {});
        }
      })()),
  };
}
