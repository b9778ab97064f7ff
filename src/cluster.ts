// `npm run cluster -- --nodes 3`: starts several store nodes (each `npm start`'s server in its own
// process) on consecutive ports, sharing one PostgreSQL and linked by the cluster PubSub, with each
// node's log lines prefixed by its name. Ctrl-C stops them all.

import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { randomId } from "./switchboard/index.ts";

const usage = `usage: npm run cluster -- [--nodes N] [--port P] [--pubsub postgres|redis]
  --nodes N    how many nodes (default 3), on ports P, P+1, … (default 4000)
  --pubsub     how they hear each other (default postgres: LISTEN/NOTIFY; redis uses REDIS_URL)
The nodes share DATABASE_URL (default postgres://postgres@127.0.0.1:5432/sneakers23, created if missing).`;

interface Options {
  nodes: number;
  port: number;
  pubsub: "postgres" | "redis";
}

function parse(argv: string[]): Options {
  const options: Options = { nodes: 3, port: 4000, pubsub: "postgres" };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--help" || flag === "-h") {
      console.log(usage);
      process.exit(0);
    }
    i++;
    if (flag === "--nodes" && /^\d+$/.test(value ?? "") && Number(value) >= 1 && Number(value) <= 16) options.nodes = Number(value);
    else if (flag === "--port" && /^\d+$/.test(value ?? "") && Number(value) > 0 && Number(value) + options.nodes <= 65535) options.port = Number(value);
    else if (flag === "--pubsub" && (value === "postgres" || value === "redis")) options.pubsub = value;
    else {
      console.error(`bad argument ${flag} ${value ?? ""}\n${usage}`);
      process.exit(2);
    }
  }
  return options;
}

/** Creates the database named in `url` when it does not exist yet (a newcomer's first run). */
async function ensureDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) return;
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const sql = postgres(admin.href, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [row] = await sql`select 1 as found from pg_database where datname = ${name}`;
    if (!row) {
      await sql.unsafe(`create database "${name}"`);
      console.log(`cluster: created the database ${name}`);
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function startNode(index: number, port: number, env: NodeJS.ProcessEnv): ChildProcess {
  const name = `node${index + 1}`;
  const main = fileURLToPath(new URL("./main.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    env: { ...env, PORT: String(port), NODE_NAME: `${name}-${randomId(3)}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = `[${name}:${port}] `;
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = "";
    stream.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop()!;
      for (const line of lines) process.stdout.write(prefix + line + "\n");
    });
  }
  child.on("exit", (code, signal) => console.log(`${prefix}exited (${signal ?? `code ${code}`})`));
  return child;
}

const options = parse(process.argv.slice(2));
const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/sneakers23";
try {
  await ensureDatabase(databaseUrl);
} catch (error) {
  console.error(`cluster: cannot reach PostgreSQL at ${new URL(databaseUrl).host} (${(error as Error).message}); set DATABASE_URL to a PostgreSQL all nodes share`);
  process.exit(1);
}
console.log(`cluster: ${options.nodes} nodes on http://127.0.0.1:${options.port}…${options.port + options.nodes - 1}, database ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}, PubSub ${options.pubsub}`);
const env = { ...process.env, DATABASE_URL: databaseUrl, PUBSUB: options.pubsub };
const children = Array.from({ length: options.nodes }, (_, i) => startNode(i, options.port + i, env));

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log("cluster: stopping every node");
    await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? (child.kill("SIGTERM"), once(child, "exit")) : null)));
    process.exit(0);
  });
}
