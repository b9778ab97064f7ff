// The demo app's HTTP behaviour, through fastify's inject (no port opened).

import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";

describe("counter demo page", () => {
  it("renders the count from the query, escaped and with no-store caching", async () => {
    const app = buildApp();
    const response = await app.inject({ method: "GET", url: "/?count=7" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["content-type"]).toContain("text/html");
    expect(response.body.startsWith("<!DOCTYPE html><html lang=\"en\">")).toBe(true);
    expect(response.body).toContain('<span class="counter__value">7</span>');
    expect(response.body).toContain('href="?count=8"');
    expect(response.body).toContain('href="?count=6"');
  });

  it("treats a count that is not a safe integer as 0", async () => {
    const app = buildApp();
    for (const bad of ["abc", "1e9", "<script>", "99999999999999999999"]) {
      const response = await app.inject({ method: "GET", url: `/?count=${encodeURIComponent(bad)}` });
      expect(response.body).toContain('<span class="counter__value">0</span>');
    }
  });
});
