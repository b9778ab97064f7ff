// Real-browser tests: Debian's Chromium driven by playwright-core (never a downloaded browser).
// Without Chromium the tests are skipped with the reason printed; in CI that absence fails.

import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasBrowser = existsSync(chromiumPath);

if (!hasBrowser) {
  const reason = `Chromium not found at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`browser tests cannot run in CI: ${reason}`);
  console.warn(`skipping browser tests: ${reason}`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"],
  });
}
