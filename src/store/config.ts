// The store's configuration, read once from the environment. Secrets have development defaults
// only outside production; in production a missing one stops the start with a clear message.

export interface StoreConfig {
  /** PostgreSQL URL; unset means the embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  /** Where PGlite keeps its files (DATA_DIR, default ".data"). */
  dataDir: string;
  /** Items one cart may hold (MAX_CART_ITEMS, default 2: the launch rule against scalpers). */
  maxCartItems: number;
  adminUser: string;
  adminPassword: string;
  production: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const production = env.NODE_ENV === "production";
  const maxCartItems = env.MAX_CART_ITEMS === undefined ? 2 : Number(env.MAX_CART_ITEMS);
  if (!Number.isInteger(maxCartItems) || maxCartItems < 1) {
    throw new Error(`MAX_CART_ITEMS must be a whole number of at least 1; received ${JSON.stringify(env.MAX_CART_ITEMS)}`);
  }
  const adminUser = env.ADMIN_USER ?? (production ? undefined : "admin");
  const adminPassword = env.ADMIN_PASSWORD ?? (production ? undefined : "admin");
  if (!adminUser || !adminPassword) throw new Error("ADMIN_USER and ADMIN_PASSWORD must be set in production (NODE_ENV=production)");
  if (production && adminUser === "admin" && adminPassword === "admin") throw new Error("the development admin credentials (admin/admin) are refused in production");
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR ?? ".data",
    maxCartItems,
    adminUser,
    adminPassword,
    production,
  };
}
