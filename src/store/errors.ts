// The store's error codes, in one registry like the framework's (src/switchboard/errors.ts). Each
// message says what happened and how to fix it, for the log and the operator; `shopperMessage` is
// what a page may show a shopper. docs/store-errors.md documents every code (a test checks).

const codes = {
  STORE_ERR_DB_UNAVAILABLE: (operation: string, why: string) =>
    `Could not ${operation}: the store's database cannot be reached (${why}). Pages keep showing the stock last read; the inventory reloads by itself when the database is back. Check the database server, DATABASE_URL and the role's LOGIN right.`,
  STORE_ERR_UNKNOWN_PRODUCT: (id: string) =>
    `There is no product with the id ${id}. Use the id of a product in the catalog (npm run store -- seed creates one).`,
  STORE_ERR_UNKNOWN_ITEM: (id: string) =>
    `There is no item (product size) with the id ${id}. Use the id of an item in the catalog.`,
  STORE_ERR_RELEASE_AT: (got: string) =>
    `A scheduled release needs a valid date and time, or null to clear the schedule; received ${got}. Give an ISO time such as 2030-01-01T12:00:00Z.`,
  STORE_ERR_ALREADY_RELEASED: (id: string) =>
    `The product ${id} is already released, so it cannot be scheduled for release. Schedule an unreleased product, or leave this one as it is.`,
  STORE_ERR_ADMIN_AUTH: (url: string) =>
    `The admin page ${url} was requested without the admin's credentials. Sign in with ADMIN_USER and ADMIN_PASSWORD from the server's configuration (HTTP Basic).`,
} as const;

export type StoreErrorCode = keyof typeof codes;

const shopperMessages: Record<StoreErrorCode, string> = {
  STORE_ERR_DB_UNAVAILABLE: "The store is busy right now. Please try again in a moment.",
  STORE_ERR_UNKNOWN_PRODUCT: "That shoe is not in our catalog.",
  STORE_ERR_UNKNOWN_ITEM: "That size is not in our catalog.",
  STORE_ERR_RELEASE_AT: "That release time is not valid.",
  STORE_ERR_ALREADY_RELEASED: "That shoe is already released.",
  STORE_ERR_ADMIN_AUTH: "This page is for the shop's staff only.",
};

/** Every error the store raises on purpose carries one of the registry's codes. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** Safe to show a shopper: no hosts, queries or internals. */
  readonly shopperMessage: string;

  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreError";
    this.code = code;
    this.shopperMessage = shopperMessages[code];
  }
}

type Args<C extends StoreErrorCode> = Parameters<(typeof codes)[C]>;

/** Builds the error for `code` with the registry's message (which starts with the code). */
export function storeError<C extends StoreErrorCode>(code: C, ...args: [...Args<C>, options?: ErrorOptions]): StoreError {
  const build = codes[code] as (...a: unknown[]) => string;
  const arity = build.length;
  const options = args.length > arity ? (args[arity] as ErrorOptions) : undefined;
  return new StoreError(code, `${code}: ${build(...args.slice(0, arity))}`, options);
}

export const storeErrorCodes = Object.keys(codes) as StoreErrorCode[];

// Failures that mean "the database is not there", not "the statement is wrong": the drivers' own
// connection errors, and PostgreSQL's connection-exception (08), operator-intervention (57P01…)
// and login-refused (28…) classes, plus too-many-connections (53300).
const connectionCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT", "53300", "57P01", "57P02", "57P03"]);

/** Whether `error` (or an error it wraps, such as drizzle's DrizzleQueryError) is a lost database. */
export function isConnectionError(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (connectionCodes.has(code) || code.startsWith("08") || code.startsWith("28"))) return true;
    if (/PGlite is closed/i.test(e.message)) return true;
  }
  return false;
}

/** `error` as a STORE_ERR_DB_UNAVAILABLE when it is a lost database, else unchanged. */
export function unavailable(operation: string, error: unknown): unknown {
  if (!isConnectionError(error)) return error;
  return storeError("STORE_ERR_DB_UNAVAILABLE", operation, reasonOf(error), { cause: error });
}

/** The innermost message of a wrapped error: the driver's words, without drizzle's query text. */
function reasonOf(error: unknown): string {
  let e = error as Error;
  while (e.cause instanceof Error) e = e.cause;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
}
