// The admin's credentials check: HTTP Basic against ADMIN_USER / ADMIN_PASSWORD from the
// configuration, compared in constant time. Pages behind it are refused with 401 and a challenge.

import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { StoreConfig } from "./config.ts";
import { storeError } from "./errors.ts";

export const ADMIN_REALM = "Sneakers23 Admin";

/** Whether the request carries the admin's credentials. */
export function isAdmin(request: FastifyRequest, config: Pick<StoreConfig, "adminUser" | "adminPassword">): boolean {
  const header = request.headers.authorization;
  if (typeof header !== "string" || !/^basic /i.test(header)) return false;
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  // Both compared, always, on digests of equal length: the time taken says nothing about either.
  const user = same(decoded.slice(0, colon), config.adminUser);
  const password = same(decoded.slice(colon + 1), config.adminPassword);
  return user && password;
}

/** A preHandler that answers 401 with a Basic challenge unless the request is the admin's. */
export function requireAdmin(config: Pick<StoreConfig, "adminUser" | "adminPassword">) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (isAdmin(request, config)) return;
    request.log.warn({ code: "STORE_ERR_ADMIN_AUTH" }, storeError("STORE_ERR_ADMIN_AUTH", request.url).message);
    return reply
      .code(401)
      .header("www-authenticate", `Basic realm="${ADMIN_REALM}", charset="UTF-8"`)
      .header("cache-control", "no-store")
      .type("text/plain; charset=utf-8")
      .send("The admin dashboard needs the admin's user name and password.");
  };
}

function same(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
