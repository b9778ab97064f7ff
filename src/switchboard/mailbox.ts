// A mailbox runs one process's messages (a view's or a channel's) one at a time, in arrival order.
// Synchronous handlers run at once when the mailbox is idle; an asynchronous one holds the
// mailbox until it settles. A task that throws or rejects goes to onCrash; once closed, new
// messages are dropped silently, so late broadcasts never fail.
//
// Mailboxes share the event loop through a Scheduler, as processes share a BEAM scheduler: a
// message that finds its mailbox idle runs at once while the current turn of the loop has run
// mailboxes for less than `sliceMs`; after that, mailboxes with messages wait in a run queue that
// is worked through in later turns, a slice at a time. A broadcast to 10,000 views thus reaches
// the first views at once and never holds the loop for the whole fan-out; sockets, timers and
// requests are served between slices. A message is queued in its mailbox the moment it is sent,
// so every mailbox keeps the order messages were sent in; one that gets several messages while it
// waits handles them in one go (a view then renders and sends once). A mailbox of high priority
// (an operator's dashboard) that has to wait runs before every normal one waiting, at the start
// of the next slice, as BEAM runs high-priority processes before normal ones.

export type Task = () => unknown;

/** "high": when mailboxes wait for a turn, this one runs before every "normal" one. */
export type Priority = "normal" | "high";

/** Default for Scheduler's slice: how long one turn of the loop may spend running mailboxes. */
export const DEFAULT_SLICE_MS = 5;

export class Scheduler {
  /** Mailboxes with messages waiting for a turn, oldest first; `#head` is the next to run. */
  #runQueue: Mailbox[] = [];
  #head = 0;
  /** High-priority mailboxes waiting for a turn (few: dashboards), run before the run queue. */
  #urgent: Mailbox[] = [];
  /** When the current turn started running mailboxes (performance.now()), or -1 between turns. */
  #turnStarted = -1;
  #scheduled = false;
  #sliceMs: number;

  constructor(sliceMs = DEFAULT_SLICE_MS) {
    this.#sliceMs = checkSlice(sliceMs);
  }

  /** How long one turn of the loop may run mailboxes, ms; Infinity never yields. */
  get sliceMs(): number {
    return this.#sliceMs;
  }

  set sliceMs(ms: number) {
    this.#sliceMs = checkSlice(ms);
  }

  /** Mailboxes waiting for a later turn. */
  get waiting(): number {
    return this.#runQueue.length - this.#head + this.#urgent.length;
  }

  /** Whether a mailbox that just got a message may run it in this turn. */
  mayRunNow(): boolean {
    const now = performance.now();
    if (this.#turnStarted < 0) {
      this.#turnStarted = now;
      // The turn ends when the code running now returns to the loop.
      queueMicrotask(this.#endTurn);
      return true;
    }
    return now - this.#turnStarted < this.#sliceMs;
  }

  /** Runs the mailbox in a later turn. */
  later(mailbox: Mailbox): void {
    if (mailbox.priority === "high") this.#urgent.push(mailbox);
    else this.#runQueue.push(mailbox);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#runSlice);
    }
  }

  #endTurn = (): void => {
    this.#turnStarted = -1;
  };

  #runSlice = (): void => {
    this.#scheduled = false;
    const started = performance.now();
    this.#turnStarted = started;
    const queue = this.#runQueue;
    const urgent = this.#urgent;
    try {
      for (;;) {
        // Checked before each mailbox: one that runs may give a high-priority one work.
        if (urgent.length > 0) urgent.shift()!.runScheduled();
        else if (this.#head < queue.length) queue[this.#head++]!.runScheduled();
        else break;
        if (performance.now() - started >= this.#sliceMs) break;
      }
    } finally {
      if (this.#head === queue.length) {
        this.#runQueue = [];
        this.#head = 0;
      } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
        this.#runQueue = queue.slice(this.#head);
        this.#head = 0;
      }
      // A mailbox that ran may already have scheduled the next slice (through later()).
      if (this.waiting > 0 && !this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#runSlice);
      }
      this.#turnStarted = -1;
    }
  };
}

function checkSlice(ms: number): number {
  if (typeof ms !== "number" || !(ms > 0)) throw new TypeError(`a scheduler's slice must be a number of milliseconds > 0 (got ${String(ms)})`);
  return ms;
}

/** The scheduler every mailbox uses unless given another: one event loop, one scheduler. */
export const scheduler = new Scheduler();

export class Mailbox {
  readonly #queue: Task[] = [];
  readonly #onCrash: (error: unknown) => void;
  readonly #scheduler: Scheduler;
  #busy = false;
  /** In the scheduler's run queue, waiting for a turn. */
  #scheduled = false;
  #closed = false;
  /** Whether this mailbox, when it has to wait for a turn, goes before the normal ones. */
  priority: Priority = "normal";
  /** Resolvers waiting for the mailbox to be empty and idle (made on first wait). */
  #idle: (() => void)[] | null = null;

  constructor(onCrash: (error: unknown) => void, runOn: Scheduler = scheduler) {
    this.#onCrash = onCrash;
    this.#scheduler = runOn;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Messages queued behind the one being handled. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** True while a message is being handled or waits to be. */
  get busy(): boolean {
    return this.#busy || this.#queue.length > 0;
  }

  push(task: Task): void {
    if (this.#closed) return;
    this.#queue.push(task);
    if (this.#busy || this.#scheduled) return;
    if (this.#scheduler.mayRunNow()) this.#drain();
    else {
      this.#scheduled = true;
      this.#scheduler.later(this);
    }
  }

  /** The scheduler's turn for this mailbox. */
  runScheduled(): void {
    this.#scheduled = false;
    if (!this.#busy) this.#drain();
  }

  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#wake();
  }

  /** Resolves once every message queued so far has been handled. */
  settled(): Promise<void> {
    if (!this.#busy && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#idle ??= []).push(resolve));
  }

  #drain(): void {
    this.#busy = true;
    while (this.#queue.length > 0 && !this.#closed) {
      const task = this.#queue.shift()!;
      let result: unknown;
      try {
        result = task();
      } catch (error) {
        this.#crash(error);
        continue;
      }
      if (result instanceof Promise) {
        result.then(
          () => this.#drain(),
          (error) => {
            this.#crash(error);
            this.#drain();
          },
        );
        return;
      }
    }
    this.#busy = false;
    if (this.#queue.length === 0 || this.#closed) this.#wake();
  }

  #crash(error: unknown): void {
    if (this.#closed) return;
    this.#onCrash(error);
  }

  #wake(): void {
    const waiting = this.#idle;
    if (waiting === null) return;
    this.#idle = null;
    for (const resolve of waiting) resolve();
  }
}
