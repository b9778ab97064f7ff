// One node's inventory: the catalog and its stock in memory, which pages read, kept current by
// re-reading the rows each committed change names (COMMITTED_TOPIC), then telling pages what
// changed (INVENTORY_TOPIC) and the sales meter how many units sold (SALES_TOPIC). Writes go to
// the database, announced after they commit; while it is lost they fail and loading is retried.

import { CLUSTER_RESUMED, CLUSTER_TOPIC } from "../switchboard/cluster-adapter.ts";
import type { Logger } from "../switchboard/endpoint.ts";
import type { Message, PubSub, Subscriber } from "../switchboard/pubsub.ts";
import type { Database, StoreDb } from "./database.ts";
import { storeError, unavailable, isConnectionError, StoreError } from "./errors.ts";
import { COMMITTED_TOPIC, INVENTORY_CHANGES_TOPIC, INVENTORY_TOPIC, SALES_TOPIC, type Committed, type InventoryChanges, type InventoryEvent, type Sales } from "./events.ts";
import type { Level } from "./levels.ts";
import { decrementStock, itemExists, readItems, readProducts, readReleased, releaseProduct, releaseScheduled, setReleaseAt } from "./inventory-queries.ts";
import { ReleaseScheduler } from "./release-scheduler.ts";
import { Snapshot, type Item, type Product } from "./snapshot.ts";

export type { Item, Product } from "./snapshot.ts";

export interface InventoryOptions {
  readonly database: Pick<Database, "db">;
  /** Where committed changes travel (cluster-wide) and inventory events are delivered (locally). */
  readonly pubsub: PubSub;
  readonly log?: Logger;
  /** Backoff between load attempts while the database is unreachable, in ms (default 250 to 10,000). */
  readonly retry?: { readonly minMs?: number; readonly maxMs?: number };
  /** Longest one load or re-read may take before it counts as failed (default 10,000 ms). */
  readonly queryTimeoutMs?: number;
  /** Fire scheduled releases at their release_at (default true). */
  readonly scheduler?: boolean;
}

const quietLog: Logger = {
  info: () => {},
  debug: () => {},
  warn: (obj, msg) => console.warn(msg ?? "", obj),
  error: (obj, msg) => console.error(msg ?? "", obj),
};

const MAX_ID = 2 ** 31 - 1;

export class Inventory {
  readonly #db: StoreDb;
  readonly #pubsub: PubSub;
  readonly #log: Logger;
  readonly #minBackoff: number;
  readonly #maxBackoff: number;
  readonly #queryTimeout: number;
  readonly #scheduler: ReleaseScheduler | null;
  readonly #subscriber: Subscriber = { deliver: (message) => this.#onCommitted(message) };
  /** After a cluster link outage, changes other nodes made meanwhile may have been missed. */
  readonly #linkWatcher: Subscriber = {
    deliver: (message) => {
      if (message.event !== CLUSTER_RESUMED || this.#stopped) return;
      this.#log.info({}, "store: the cluster link is back; loading the inventory again to catch up");
      void this.reload();
    },
  };

  #snapshot = Snapshot.empty;
  #loaded = false;
  #stopped = false;
  // The work queue: one worker at a time runs loads and re-reads, in order.
  #needsLoad = true;
  #announceLoad = false;
  readonly #pendingProducts = new Set<number>();
  readonly #pendingItems = new Set<number>();
  #running = false;
  #worker: Promise<void> = Promise.resolve();
  #started = 0;
  #finished = 0;
  #waiters: { target: number; resolve: () => void }[] = [];
  #backoff: number;
  #wake: (() => void) | null = null;
  #failures = 0;
  #attempted: () => void = () => {};

  private constructor(options: InventoryOptions) {
    this.#db = options.database.db;
    this.#pubsub = options.pubsub;
    this.#log = options.log ?? quietLog;
    this.#minBackoff = options.retry?.minMs ?? 250;
    this.#maxBackoff = Math.max(this.#minBackoff, options.retry?.maxMs ?? 10_000);
    this.#backoff = this.#minBackoff;
    this.#queryTimeout = options.queryTimeoutMs ?? 10_000;
    this.#scheduler = options.scheduler === false ? null : new ReleaseScheduler((id, at) => void this.#fire(id, at));
  }

  /**
   * Subscribes to committed changes and loads the inventory. Resolves after the first load
   * attempt: if the database was unreachable the inventory is empty (`loaded` false) and keeps
   * retrying; pages hear {type: "reloaded"} when it succeeds.
   */
  static async start(options: InventoryOptions): Promise<Inventory> {
    const inventory = new Inventory(options);
    inventory.#pubsub.subscribe(COMMITTED_TOPIC, inventory.#subscriber);
    inventory.#pubsub.subscribe(CLUSTER_TOPIC, inventory.#linkWatcher);
    const attempted = new Promise<void>((resolve) => (inventory.#attempted = resolve));
    void inventory.#kick();
    await attempted;
    return inventory;
  }

  // --- Reads: memory only --------------------------------------------------------------------

  /** Every product in display order. A change replaces this array; unchanged products stay ===. */
  products(): readonly Product[] {
    return this.#snapshot.products;
  }

  product(id: number): Product | undefined {
    return this.#snapshot.product(id);
  }

  item(id: number): Item | undefined {
    return this.#snapshot.item(id);
  }

  level(itemId: number): Level | undefined {
    return this.#snapshot.item(itemId)?.level;
  }

  /** Whether the inventory has been loaded at least once. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** False while the database is known to be lost (a load is being retried). */
  get available(): boolean {
    return !this.#needsLoad;
  }

  // --- Writes: the database, then an announcement ----------------------------------------------

  /** Releases the product now: "released" by this call, or "already" released before it. */
  async release(productId: number): Promise<"released" | "already"> {
    checkId(productId, "STORE_ERR_UNKNOWN_PRODUCT");
    if (await this.#write("release the product", () => releaseProduct(this.#db, productId))) {
      await this.committed({ products: [productId] });
      return "released";
    }
    await this.#releaseState(productId);
    return "already";
  }

  /** Schedules the product's release at `releaseAt`, or clears its schedule (null). */
  async schedule(productId: number, releaseAt: Date | string | null): Promise<void> {
    checkId(productId, "STORE_ERR_UNKNOWN_PRODUCT");
    const at = releaseAt === null ? null : new Date(releaseAt);
    if (at !== null && Number.isNaN(at.getTime())) throw storeError("STORE_ERR_RELEASE_AT", JSON.stringify(String(releaseAt)));
    if (await this.#write("schedule the release", () => setReleaseAt(this.#db, productId, at))) return this.committed({ products: [productId] });
    const released = await this.#releaseState(productId);
    if (released && at !== null) throw storeError("STORE_ERR_ALREADY_RELEASED", String(productId));
  }

  /**
   * Sells one unit of the item: one conditional decrement, never below 0. Resolves whether it
   * sold. (It does not check that the product is released; the checkout does.)
   */
  async sell(itemId: number): Promise<boolean> {
    checkId(itemId, "STORE_ERR_UNKNOWN_ITEM");
    if (await this.#write("sell the item", () => decrementStock(this.#db, itemId))) {
      await this.committed({ items: [itemId] });
      return true;
    }
    if (!this.#snapshot.item(itemId) && !(await this.#write("sell the item", () => itemExists(this.#db, itemId)))) {
      throw storeError("STORE_ERR_UNKNOWN_ITEM", String(itemId));
    }
    // Memory may still show stock another node sold: catch up here (no one else needs to).
    await this.#enqueue({ items: [itemId] });
    return false;
  }

  /**
   * Announces rows changed by a committed transaction to every node (this one included), which
   * re-read them. Call it after the commit, never before. Resolves once this node has re-read
   * them (at once while the database is lost: the reload will).
   */
  committed(change: Committed): Promise<void> {
    this.#pubsub.broadcast(COMMITTED_TOPIC, "committed", change);
    return this.#caughtUp();
  }

  /** Loads everything again (e.g. after a reseed) and tells pages {type: "reloaded"}. */
  reload(): Promise<void> {
    this.#needsLoad = true;
    this.#announceLoad = true;
    this.#backoff = this.#minBackoff;
    this.#wake?.();
    return this.#kick();
  }

  /** Resolves when every announced change has been re-read (and any reload has succeeded). */
  settled(): Promise<void> {
    return this.#running ? this.#worker : Promise.resolve();
  }

  /** Stops listening, cancels the release timers and retries; reads keep answering from memory. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#pubsub.unsubscribe(COMMITTED_TOPIC, this.#subscriber);
    this.#pubsub.unsubscribe(CLUSTER_TOPIC, this.#linkWatcher);
    this.#scheduler?.cancelAll();
    this.#wake?.();
    this.#resolveWaiters(Infinity);
    await this.#worker;
  }

  // --- The work queue ------------------------------------------------------------------------

  #onCommitted(message: Message): void {
    // From any node, so checked: ids that are not ids are ignored.
    const change = (message.payload ?? {}) as { products?: unknown; items?: unknown };
    void this.#enqueue({ products: idsIn(change.products), items: idsIn(change.items) });
  }

  #enqueue(change: Committed): Promise<void> {
    for (const id of change.products ?? []) this.#pendingProducts.add(id);
    for (const id of change.items ?? []) this.#pendingItems.add(id);
    void this.#kick();
    return this.#caughtUp();
  }

  #kick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (!this.#running) {
      this.#running = true;
      this.#worker = this.#work();
    }
    return this.#worker;
  }

  /** A promise for the re-read that covers everything announced so far. */
  #caughtUp(): Promise<void> {
    if (this.#needsLoad || this.#stopped) return Promise.resolve();
    const pending = this.#pendingProducts.size + this.#pendingItems.size > 0;
    const target = pending ? this.#started + 1 : this.#started;
    if (this.#finished >= target) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ target, resolve }));
  }

  #resolveWaiters(upTo: number): void {
    const ready = this.#waiters.filter((w) => w.target <= upTo);
    this.#waiters = this.#waiters.filter((w) => w.target > upTo);
    for (const waiter of ready) waiter.resolve();
  }

  /** The worker: loads and re-reads until nothing is left. `#running` drops in the same turn as
   *  the last check, so a change announced right after always finds a worker to take it. */
  async #work(): Promise<void> {
    try {
      while (!this.#stopped) {
        if (this.#needsLoad) {
          if (!(await this.#load())) await this.#sleep();
        } else if (this.#pendingProducts.size + this.#pendingItems.size > 0) {
          await this.#reread();
        } else {
          return;
        }
      }
    } catch (error) {
      this.#log.error({ err: error }, "store: the inventory's worker failed");
    } finally {
      this.#running = false;
    }
  }

  async #load(): Promise<boolean> {
    const unit = ++this.#started;
    this.#pendingProducts.clear();
    this.#pendingItems.clear();
    try {
      const [productRows, itemRows] = await this.#timed(Promise.all([readProducts(this.#db), readItems(this.#db)]));
      this.#snapshot = Snapshot.of(productRows, itemRows, this.#snapshot);
      this.#needsLoad = false;
      this.#loaded = true;
      this.#backoff = this.#minBackoff;
      if (this.#failures > 0) this.#log.info({ attempts: this.#failures + 1 }, "store: inventory loaded after the database came back");
      this.#failures = 0;
      this.#scheduler?.updateAll(this.#snapshot.products);
      if (this.#announceLoad) {
        this.#announceLoad = false;
        this.#deliver({ type: "reloaded" });
        this.#deliverChanges([{ type: "reloaded" }]);
      }
      return true;
    } catch (error) {
      this.#announceLoad = true;
      if (this.#failures++ === 0) {
        const code = isConnectionError(error) ? "STORE_ERR_DB_UNAVAILABLE" : undefined;
        this.#log.error({ err: error, code }, "store: could not load the inventory; retrying with backoff until it loads");
      }
      this.#resolveWaiters(Infinity);
      return false;
    } finally {
      this.#finished = unit;
      this.#resolveWaiters(unit);
      this.#attempted();
    }
  }

  async #reread(): Promise<void> {
    const unit = ++this.#started;
    const productIds = [...this.#pendingProducts];
    const itemIds = [...this.#pendingItems];
    this.#pendingProducts.clear();
    this.#pendingItems.clear();
    try {
      const [productRows, itemRows] = await this.#timed(
        Promise.all([
          productIds.length ? readProducts(this.#db, productIds) : [],
          itemIds.length ? readItems(this.#db, itemIds) : [],
        ]),
      );
      const result = this.#snapshot.apply({ productIds, products: productRows, itemIds, items: itemRows });
      if (!result) {
        this.#lost(null); // a row appeared or vanished: load everything, and say so
        return;
      }
      this.#snapshot = result.snapshot;
      for (const id of productIds) {
        const product = this.#snapshot.product(id);
        if (product) this.#scheduler?.update(product);
      }
      if (result.sold > 0) this.#deliverSales({ units: result.sold, at: Date.now() });
      for (const event of result.events) this.#deliver(event);
      this.#deliverChanges(result.events);
    } catch (error) {
      if (isConnectionError(error) || error instanceof TimeoutError) this.#lost(error);
      else this.#log.error({ err: error }, "store: could not re-read changed rows");
    } finally {
      this.#finished = unit;
      this.#resolveWaiters(unit);
    }
  }

  /** The database is lost (or memory no longer matches it): load everything once it answers. */
  #lost(error: unknown): void {
    if (this.#stopped) return;
    if (!this.#needsLoad && error !== null) this.#log.warn({ err: error, code: "STORE_ERR_DB_UNAVAILABLE" }, "store: database lost; serving the inventory from memory until it is back");
    this.#needsLoad = true;
    this.#announceLoad = true;
    this.#resolveWaiters(Infinity);
    void this.#kick();
  }

  #sleep(): Promise<void> {
    const delay = this.#backoff * (0.75 + Math.random() * 0.5);
    this.#backoff = Math.min(this.#maxBackoff, this.#backoff * 2);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, delay);
      timer.unref();
      this.#wake = done;
    });
  }

  #deliver(event: InventoryEvent): void {
    this.#pubsub.deliverLocal({ topic: INVENTORY_TOPIC, event: event.type, payload: event }, null);
  }

  #deliverChanges(events: readonly InventoryEvent[]): void {
    if (events.length === 0) return;
    const changes: InventoryChanges = { events };
    this.#pubsub.deliverLocal({ topic: INVENTORY_CHANGES_TOPIC, event: "changes", payload: changes }, null);
  }

  #deliverSales(sales: Sales): void {
    this.#pubsub.deliverLocal({ topic: SALES_TOPIC, event: "sold", payload: sales }, null);
  }

  // --- Database access -----------------------------------------------------------------------

  /** Runs a write; a lost database becomes STORE_ERR_DB_UNAVAILABLE and starts the reload. */
  async #write<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const wrapped = unavailable(operation, error);
      if (wrapped instanceof StoreError) this.#lost(error);
      throw wrapped;
    }
  }

  /** Whether a product that a conditional update did not touch is released; throws if unknown. */
  async #releaseState(productId: number): Promise<boolean> {
    const released = await this.#write("read the product", () => readReleased(this.#db, productId));
    if (released === null) throw storeError("STORE_ERR_UNKNOWN_PRODUCT", String(productId));
    if (released !== this.#snapshot.product(productId)?.released) await this.#enqueue({ products: [productId] });
    return released;
  }

  /** A scheduled release: only the schedule the timer was set for, and only once across nodes. */
  async #fire(productId: number, at: string): Promise<void> {
    try {
      if (await releaseScheduled(this.#db, productId, at)) {
        this.#log.info({ productId, releaseAt: at }, "store: scheduled release");
        await this.committed({ products: [productId] });
      } else {
        await this.#enqueue({ products: [productId] }); // released or rescheduled elsewhere: catch up
      }
    } catch (error) {
      this.#scheduler?.cancel(productId); // the reload arms it again, past due: it fires then
      if (isConnectionError(error)) this.#lost(error);
      else this.#log.error({ err: error, productId }, "store: a scheduled release failed");
    }
  }

  #timed<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(this.#queryTimeout)), this.#queryTimeout);
      timer.unref();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`the database did not answer within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

function isId(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value <= MAX_ID;
}

function idsIn(value: unknown): number[] {
  return Array.isArray(value) ? value.filter(isId) : [];
}

function checkId(id: unknown, code: "STORE_ERR_UNKNOWN_PRODUCT" | "STORE_ERR_UNKNOWN_ITEM"): asserts id is number {
  if (!isId(id)) throw storeError(code, JSON.stringify(id) ?? String(id));
}
