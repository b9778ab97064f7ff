// The mailbox: one process's messages, one at a time, in arrival order; an async task holds the
// mailbox until it settles; a task that throws or rejects goes to the crash handler; once closed
// nothing runs.

import { describe, expect, test } from "vitest";
import { Mailbox } from "../../src/switchboard/mailbox.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function mailbox() {
  const crashes: unknown[] = [];
  return { box: new Mailbox((error) => crashes.push(error)), crashes };
}

describe("Mailbox", () => {
  test("runs synchronous tasks at once, in order", () => {
    const { box } = mailbox();
    const log: number[] = [];
    box.push(() => log.push(1));
    box.push(() => log.push(2));
    expect(log).toEqual([1, 2]);
  });

  test("an async task holds the mailbox until it settles; later tasks wait their turn", async () => {
    const { box } = mailbox();
    const log: string[] = [];
    box.push(async () => {
      log.push("a start");
      await sleep(30);
      log.push("a end");
    });
    box.push(() => log.push("b"));
    box.push(async () => {
      log.push("c start");
      await sleep(5);
      log.push("c end");
    });
    box.push(() => log.push("d"));
    expect(log).toEqual(["a start"]);
    await box.settled();
    expect(log).toEqual(["a start", "a end", "b", "c start", "c end", "d"]);
  });

  test("tasks pushed from inside a task run after it, not inside it", () => {
    const { box } = mailbox();
    const log: string[] = [];
    box.push(() => {
      box.push(() => log.push("inner"));
      log.push("outer done");
    });
    expect(log).toEqual(["outer done", "inner"]);
  });

  test("a task that throws goes to the crash handler and the next task still runs", () => {
    const { box, crashes } = mailbox();
    const boom = new Error("boom");
    const log: string[] = [];
    box.push(() => {
      throw boom;
    });
    box.push(() => log.push("after"));
    expect(crashes).toEqual([boom]);
    expect(log).toEqual(["after"]);
  });

  test("a task that rejects goes to the crash handler and the next task still runs", async () => {
    const { box, crashes } = mailbox();
    const boom = new Error("async boom");
    const log: string[] = [];
    box.push(async () => {
      await sleep(1);
      throw boom;
    });
    box.push(() => log.push("after"));
    await box.settled();
    expect(crashes).toEqual([boom]);
    expect(log).toEqual(["after"]);
  });

  test("once closed, new tasks are dropped silently and queued ones never run", async () => {
    const { box, crashes } = mailbox();
    const log: string[] = [];
    box.push(async () => {
      await sleep(10);
      log.push("running");
    });
    box.push(() => log.push("queued"));
    box.close();
    expect(box.closed).toBe(true);
    expect(() => box.push(() => log.push("late"))).not.toThrow();
    await sleep(30);
    expect(log).toEqual(["running"]);
    expect(crashes).toEqual([]);
  });

  test("a task closing its own mailbox stops the rest of the queue", () => {
    const { box } = mailbox();
    const log: string[] = [];
    box.push(() => {
      box.push(() => log.push("never"));
      box.close();
    });
    expect(log).toEqual([]);
  });

  test("a crash after close is not reported", async () => {
    const { box, crashes } = mailbox();
    box.push(async () => {
      await sleep(5);
      throw new Error("late");
    });
    box.close();
    await sleep(20);
    expect(crashes).toEqual([]);
  });

  test("settled() resolves at once when idle", async () => {
    const { box } = mailbox();
    let done = false;
    void box.settled().then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(true);
  });

  test("settled() waits for every task queued so far", async () => {
    const { box } = mailbox();
    const log: number[] = [];
    for (const ms of [15, 1, 8]) {
      box.push(async () => {
        await sleep(ms);
        log.push(ms);
      });
    }
    await box.settled();
    expect(log).toEqual([15, 1, 8]);
  });

  test("settled() resolves when the mailbox is closed while busy", async () => {
    const { box } = mailbox();
    box.push(() => sleep(10_000));
    const settled = box.settled();
    box.close();
    await expect(settled).resolves.toBeUndefined();
  });
});
