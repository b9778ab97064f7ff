// `npm run db:migrate` and `npm run db:seed`: the database chores, on the app's configuration
// (DATABASE_URL, else the embedded database in DATA_DIR — never while a server holds that folder).
//   db:seed [--force] [--deterministic | --seed N] [--products N] [--released]
// Without --force only an empty database is seeded; --force starts the store over.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { readConfig } from "./config.ts";
import { openDatabase } from "./database.ts";
import { DEFAULT_SEED, seed, seedIfEmpty, type SeedOptions } from "./seed.ts";
import { claimFolder } from "./server-file.ts";

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [task, ...rest] = argv;
  if (task !== "migrate" && task !== "seed") {
    console.error(`db-tasks: expected "migrate" or "seed"; received ${JSON.stringify(task ?? "")}`);
    return 2;
  }
  let args: ReturnType<typeof parseSeedArgs>;
  try {
    args = parseSeedArgs(task === "seed" ? rest : []);
  } catch (error) {
    console.error(`db-tasks: ${(error as Error).message}`);
    return 2;
  }
  const config = readConfig(env);
  let claim: { release(): void } | null = null;
  try {
    if (!config.databaseUrl) claim = claimFolder(config.dataDir);
    const database = await openDatabase(config.databaseUrl ? { url: config.databaseUrl, poolSize: 1 } : { dataDir: join(config.dataDir, "pglite") });
    try {
      await database.migrate();
      console.log(`migrated the ${database.kind === "postgres" ? "PostgreSQL" : "embedded"} database`);
      if (task === "seed") {
        const summary = args.force ? await seed(database.db, args.options) : await seedIfEmpty(database.db, args.options);
        console.log(summary ? `seeded ${summary.products} products, ${summary.items} items` : "the database already has products; pass --force to start it over");
      }
    } finally {
      await database.close();
    }
    return 0;
  } catch (error) {
    console.error(`db-tasks: ${(error as Error).message}`);
    return 1;
  } finally {
    claim?.release();
  }
}

function parseSeedArgs(argv: readonly string[]): { force: boolean; options: SeedOptions } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      force: { type: "boolean", default: false },
      deterministic: { type: "boolean", default: false },
      seed: { type: "string" },
      products: { type: "string" },
      released: { type: "boolean", default: false },
    },
  });
  const whole = (name: string, text: string | undefined, min: number) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}; received ${JSON.stringify(text)}`);
    return n;
  };
  const seedValue = whole("seed", values.seed, 0) ?? (values.deterministic ? DEFAULT_SEED : undefined);
  const products = whole("products", values.products, 1);
  return {
    force: values.force,
    options: { ...(seedValue === undefined ? {} : { seed: seedValue }), ...(products === undefined ? {} : { products }), released: values.released },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
