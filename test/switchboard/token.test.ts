// Signed, timestamped tokens: what is signed verifies for the same purpose within its age, and
// every kind of tampering, a wrong purpose or an expired token fails with its code.

import { createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import { SwitchboardError } from "../../src/switchboard/errors.ts";
import { DEV_SECRET, randomId, Signer } from "../../src/switchboard/token.ts";

const signer = new Signer(DEV_SECRET);
const HOUR = 3600_000;
const NOW = Date.UTC(2024, 0, 1);

function failure(run: () => unknown): SwitchboardError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SwitchboardError);
    return error as SwitchboardError;
  }
  throw new Error("expected the call to throw");
}

/** Replaces one character of a base64url string with another valid one. */
function flip(text: string, at: number): string {
  const c = text[at] === "A" ? "B" : "A";
  return text.slice(0, at) + c + text.slice(at + 1);
}

describe("Signer", () => {
  test("a signed value verifies for the same purpose", () => {
    const data = { cart: "c-1", n: [1, 2, 3], nested: { ok: true }, text: "é<>\"" };
    expect(signer.verify("session", signer.sign("session", data), HOUR)).toEqual(data);
  });

  test.each([null, 0, "plain", [1, 2]])("signs any JSON value (%j)", (data) => {
    expect(signer.verify("p", signer.sign("p", data), HOUR)).toEqual(data);
  });

  test("a token has three dot-separated parts: payload, time, signature", () => {
    const token = signer.sign("session", { a: 1 }, NOW);
    const [payload, time, signature] = token.split(".");
    expect(token.split(".")).toHaveLength(3);
    expect(JSON.parse(Buffer.from(payload!, "base64url").toString())).toEqual({ a: 1 });
    expect(parseInt(time!, 36)).toBe(NOW);
    expect(Buffer.from(signature!, "base64url")).toHaveLength(32);
  });

  test("a tampered payload is SB_ERR_TOKEN_INVALID", () => {
    const token = signer.sign("session", { admin: false });
    const [, time, signature] = token.split(".");
    const forged = `${Buffer.from(JSON.stringify({ admin: true })).toString("base64url")}.${time}.${signature}`;
    const error = failure(() => signer.verify("session", forged, HOUR));
    expect(error.code).toBe("SB_ERR_TOKEN_INVALID");
    expect(error.message).toMatch(/signature does not match/);
  });

  test("a tampered time is SB_ERR_TOKEN_INVALID, so an old token cannot be made young", () => {
    const token = signer.sign("session", { a: 1 }, NOW - 10 * HOUR);
    const [payload, , signature] = token.split(".");
    const rejuvenated = `${payload}.${NOW.toString(36)}.${signature}`;
    expect(failure(() => signer.verify("session", rejuvenated, HOUR, NOW)).code).toBe("SB_ERR_TOKEN_INVALID");
  });

  test("a tampered signature is SB_ERR_TOKEN_INVALID", () => {
    const token = signer.sign("session", { a: 1 });
    const parts = token.split(".");
    parts[2] = flip(parts[2]!, 5);
    expect(failure(() => signer.verify("session", parts.join("."), HOUR)).code).toBe("SB_ERR_TOKEN_INVALID");
  });

  test("a signature cut short is SB_ERR_TOKEN_INVALID", () => {
    const token = signer.sign("session", { a: 1 });
    expect(failure(() => signer.verify("session", token.slice(0, -4), HOUR)).code).toBe("SB_ERR_TOKEN_INVALID");
  });

  test("a token signed with another secret is SB_ERR_TOKEN_INVALID", () => {
    const other = new Signer("another-secret-of-at-least-thirty-two-characters");
    expect(failure(() => signer.verify("session", other.sign("session", { a: 1 }), HOUR)).code).toBe("SB_ERR_TOKEN_INVALID");
  });

  test("a token signed for another purpose is SB_ERR_TOKEN_INVALID", () => {
    const csrf = signer.sign("csrf", "secret");
    const error = failure(() => signer.verify("session", csrf, HOUR));
    expect(error.code).toBe("SB_ERR_TOKEN_INVALID");
    expect(error.message).toMatch(/session token/);
  });

  test("a token older than its max age is SB_ERR_TOKEN_EXPIRED", () => {
    const token = signer.sign("session", { a: 1 }, NOW - HOUR - 1);
    const error = failure(() => signer.verify("session", token, HOUR, NOW));
    expect(error.code).toBe("SB_ERR_TOKEN_EXPIRED");
    expect(error.message).toMatch(/3600 s/);
  });

  test("a token exactly at its max age still verifies", () => {
    const token = signer.sign("session", { a: 1 }, NOW - HOUR);
    expect(signer.verify("session", token, HOUR, NOW)).toEqual({ a: 1 });
  });

  test("a forged-looking token is checked for its signature before its age", () => {
    const token = flip(signer.sign("session", { a: 1 }, NOW - 10 * HOUR), 2);
    expect(failure(() => signer.verify("session", token, HOUR, NOW)).code).toBe("SB_ERR_TOKEN_INVALID");
  });

  test.each([undefined, null, 42, {}, ["a.b.c"], ""])("a token that is not a non-empty string (%j) is SB_ERR_TOKEN_INVALID", (token) => {
    const error = failure(() => signer.verify("session", token, HOUR));
    expect(error.code).toBe("SB_ERR_TOKEN_INVALID");
    expect(error.message).toMatch(/missing/);
  });

  test.each(["abc", "a.b", "a.b.c.d", "..."])("a string not of the form payload.time.signature (%j) is SB_ERR_TOKEN_INVALID", (token) => {
    expect(failure(() => signer.verify("session", token, HOUR)).code).toBe("SB_ERR_TOKEN_INVALID");
  });

  test("a correctly signed payload that is not JSON is SB_ERR_TOKEN_INVALID", () => {
    // Sign the raw body the way the signer does, with a payload that is not base64url JSON.
    const good = signer.sign("session", 1, NOW);
    const [, time] = good.split(".");
    const body = `${Buffer.from("{not json").toString("base64url")}.${time}`;
    const mac = createHmac("sha256", DEV_SECRET).update("session").update("\u0000").update(body).digest("base64url");
    const error = failure(() => signer.verify("session", `${body}.${mac}`, HOUR, NOW));
    expect(error.code).toBe("SB_ERR_TOKEN_INVALID");
    expect(error.message).toMatch(/not JSON/);
  });

  test.each([
    ["32 characters", "k".repeat(32)],
    ["64 characters (one block)", "k".repeat(64)],
    ["a secret longer than a block", "long-secret-".repeat(12)],
    ["a secret of multibyte characters", "clé-secrète-ünïcødé-".repeat(3)],
  ])("signatures are HMAC-SHA256 over purpose, NUL and body, for %s", (_name, secret) => {
    const token = new Signer(secret).sign("cookie", { cartId: "abc" }, NOW);
    const [payload, time, signature] = token.split(".");
    const expected = createHmac("sha256", secret).update("cookie").update("\u0000").update(`${payload}.${time}`).digest("base64url");
    expect(signature).toBe(expected);
    expect(new Signer(secret).verify("cookie", token, HOUR, NOW)).toEqual({ cartId: "abc" });
  });

  test.each([
    ["a short secret", "too-short"],
    ["31 characters", "x".repeat(31)],
    ["an empty string", ""],
  ])("%s is refused with SB_ERR_SECRET", (_name, secret) => {
    expect(failure(() => new Signer(secret)).code).toBe("SB_ERR_SECRET");
  });

  test("a secret that is not a string is refused with SB_ERR_SECRET", () => {
    expect(failure(() => new Signer(undefined as unknown as string)).code).toBe("SB_ERR_SECRET");
    expect(failure(() => new Signer(12345 as unknown as string)).message).toMatch(/received number/);
  });

  test("a secret of 32 characters is accepted", () => {
    expect(() => new Signer("x".repeat(32))).not.toThrow();
  });
});

describe("randomId", () => {
  test("is 128 bits of base64url by default, and different every time", () => {
    const ids = new Set(Array.from({ length: 100 }, () => randomId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test("stays unique and of the asked size across refills of its byte pool, for small and large sizes", () => {
    const ids = Array.from({ length: 3000 }, (_, i) => randomId([9, 16, 300][i % 3]));
    expect(new Set(ids).size).toBe(3000);
    ids.forEach((id, i) => expect(Buffer.from(id, "base64url")).toHaveLength([9, 16, 300][i % 3]!));
  });
});
