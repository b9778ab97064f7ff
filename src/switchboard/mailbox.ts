// A mailbox runs one process's messages (a view's or a channel's) one at a time, in arrival order.
// Synchronous handlers run at once when the mailbox is idle; an asynchronous one holds the
// mailbox until it settles. A task that throws or rejects goes to onCrash; once closed, new
// messages are dropped silently, so late broadcasts never fail.

export type Task = () => unknown;

export class Mailbox {
  readonly #queue: Task[] = [];
  readonly #onCrash: (error: unknown) => void;
  #busy = false;
  #closed = false;
  /** Resolvers waiting for the mailbox to be empty and idle (made on first wait). */
  #idle: (() => void)[] | null = null;

  constructor(onCrash: (error: unknown) => void) {
    this.#onCrash = onCrash;
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
