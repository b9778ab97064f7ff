// Builds the browser client into one minified file with a source map (client/dist/switchboard.js)
// and reports its size; `npm run build:client`, and before `npm start` and `npm test`.

import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("./index.ts", import.meta.url));
export const outfile = fileURLToPath(new URL("./dist/switchboard.js", import.meta.url));

export async function buildClient(): Promise<{ bytes: number; gzip: number }> {
  await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    sourcemap: true,
    format: "iife",
    target: ["es2020"],
    outfile,
    legalComments: "none",
    logLevel: "warning",
  });
  const code = readFileSync(outfile);
  return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { bytes, gzip } = await buildClient();
  console.log(`client/dist/switchboard.js: ${bytes} bytes minified, ${gzip} bytes min+gzip`);
}
