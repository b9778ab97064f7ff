// The store's error registry: every code documented in docs/store-errors.md, every error built
// from it a StoreError whose message starts with its code and which has a shopper's sentence.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { isConnectionError, StoreError, storeError, storeErrorCodes, unavailable, type StoreErrorCode } from "../../src/store/errors.ts";

const doc = readFileSync(new URL("../../docs/store-errors.md", import.meta.url), "utf8");
const sections = new Map(
  doc
    .split(/^## /m)
    .slice(1)
    .map((section) => {
      const [heading = "", ...body] = section.split("\n");
      return [heading.trim(), body.join("\n").trim()] as const;
    }),
);

describe("docs/store-errors.md", () => {
  test.each(storeErrorCodes)("documents %s", (code) => {
    expect(sections.get(code)?.length ?? 0).toBeGreaterThan(80);
  });

  test("documents no code that does not exist", () => {
    expect([...sections.keys()].filter((code) => !storeErrorCodes.includes(code as StoreErrorCode))).toEqual([]);
  });
});

describe("the registry", () => {
  test.each(storeErrorCodes)("storeError(%s) is a StoreError whose message starts with the code", (code) => {
    expect(code).toMatch(/^STORE_ERR_[A-Z]+(_[A-Z]+)*$/);
    const err = (storeError as (code: StoreErrorCode, ...args: string[]) => StoreError)(code, "first", "second");
    expect(err).toBeInstanceOf(StoreError);
    expect(err.name).toBe("StoreError");
    expect(err.code).toBe(code);
    expect(err.message.startsWith(`${code}: `)).toBe(true);
    expect(err.shopperMessage.length).toBeGreaterThan(10);
    expect(err.shopperMessage).not.toMatch(/STORE_ERR|database|SQL/i);
  });

  test("keeps the cause", () => {
    const cause = new Error("boom");
    expect(storeError("STORE_ERR_DB_UNAVAILABLE", "sell the item", "boom", { cause }).cause).toBe(cause);
  });
});

describe("connection errors", () => {
  const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });

  test.each(["ECONNREFUSED", "ECONNRESET", "CONNECTION_CLOSED", "CONNECT_TIMEOUT", "57P01", "08006", "28000", "53300"])("%s is a lost database", (code) => {
    expect(isConnectionError(withCode(code))).toBe(true);
  });

  test("found through drizzle's wrapper, and PGlite's closed database", () => {
    expect(isConnectionError(new Error("Failed query: update ...", { cause: withCode("ECONNRESET") }))).toBe(true);
    expect(isConnectionError(new Error("PGlite is closed"))).toBe(true);
  });

  test("a statement's own failure is not", () => {
    expect(isConnectionError(withCode("23505", "duplicate key"))).toBe(false);
    expect(isConnectionError(new Error("syntax"))).toBe(false);
    expect(isConnectionError("ECONNRESET")).toBe(false);
  });

  test("unavailable() wraps a lost database without the query, and passes anything else through", () => {
    const lost = new Error('Failed query: update "products" set ...', { cause: withCode("28000", 'role "x" is not permitted to log in') });
    const wrapped = unavailable("release the product", lost) as StoreError;
    expect(wrapped.code).toBe("STORE_ERR_DB_UNAVAILABLE");
    expect(wrapped.message).toContain('28000: role "x" is not permitted to log in');
    expect(wrapped.message).not.toContain("update");
    expect(wrapped.cause).toBe(lost);
    const bug = new TypeError("nope");
    expect(unavailable("release the product", bug)).toBe(bug);
  });
});
