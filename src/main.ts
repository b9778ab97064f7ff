// `npm start`: serves the app on HOST:PORT (default 127.0.0.1:4000) and stops cleanly on SIGINT/SIGTERM
// (closing the store, so the embedded database's files are left whole and DATA_DIR/server.json goes).

import { buildApp } from "./app.ts";

const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? "127.0.0.1";
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer from 0 to 65535; received ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

let app: Awaited<ReturnType<typeof buildApp>>;
try {
  app = await buildApp({}, { logger: { level: process.env.LOG_LEVEL ?? "info" } });
} catch (err) {
  console.error(`could not start: ${(err as Error).message}`);
  process.exit(1);
}

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down");
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error(err, "shutdown failed");
        process.exit(1);
      },
    );
  });
}

try {
  const address = await app.listen({ port, host });
  app.log.info(`Switchboard listening on ${address}`);
} catch (err) {
  app.log.error(err);
  await app.close().catch(() => {});
  process.exit(1);
}
