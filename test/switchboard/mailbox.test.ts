// The mailbox: one process's messages, one at a time, in arrival order; an async task holds the
// mailbox until it settles; a task that throws or rejects goes to the crash handler; once closed
// nothing runs. Mailboxes share the loop through a Scheduler: a turn runs mailboxes for at most a
// slice, the rest wait for later turns and keep their order.

import { describe, expect, test } from "vitest";
import { Mailbox, Scheduler } from "../../src/switchboard/mailbox.ts";

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

/** Busy-waits, standing in for a handler that takes real time (a view rendering and writing). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function untilIdle(scheduler: Scheduler): Promise<void> {
  for (let i = 0; i < 10_000 && scheduler.waiting > 0; i++) await turn();
  expect(scheduler.waiting).toBe(0);
}

describe("Scheduler", () => {
  test("a fan-out that outlasts a slice runs its first mailboxes at once and yields the loop for the rest", async () => {
    const scheduler = new Scheduler(2);
    const ran: number[] = [];
    const boxes = Array.from({ length: 400 }, () => new Mailbox(() => {}, scheduler));
    let ranWhenTheLoopTurned = -1;
    setImmediate(() => (ranWhenTheLoopTurned = ran.length));

    boxes.forEach((box, i) => box.push(() => { spin(0.05); ran.push(i); }));
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.length).toBeLessThan(400);
    expect(scheduler.waiting).toBe(400 - ran.length);

    await untilIdle(scheduler);
    expect(ranWhenTheLoopTurned).toBeGreaterThan(0);
    expect(ranWhenTheLoopTurned).toBeLessThan(400);
    // Every mailbox ran its message once, in the order they were sent.
    expect(ran).toEqual(boxes.map((_, i) => i));
  });

  test("a mailbox that gets several messages while it waits handles them in order, in one go, seeing what is queued behind", async () => {
    const scheduler = new Scheduler(1);
    const ahead = new Mailbox(() => {}, scheduler);
    ahead.push(() => spin(2)); // spends this turn's slice
    const box = new Mailbox(() => {}, scheduler);
    const seen: [string, number][] = [];
    box.push(() => seen.push(["first", box.waiting]));
    box.push(() => seen.push(["second", box.waiting]));
    expect(seen).toEqual([]);
    await box.settled();
    expect(seen).toEqual([["first", 1], ["second", 0]]);
  });

  test("a message that finds its mailbox idle in a fresh turn runs at once", async () => {
    const scheduler = new Scheduler(1);
    const busy = new Mailbox(() => {}, scheduler);
    busy.push(() => spin(2));
    const late = new Mailbox(() => {}, scheduler);
    late.push(() => {});
    expect(scheduler.waiting).toBe(1);
    await turn();
    await untilIdle(scheduler);
    const log: string[] = [];
    late.push(() => log.push("now"));
    expect(log).toEqual(["now"]);
  });

  test("a mailbox closed while it waits runs nothing; a crash in a scheduled task reaches its handler and the queue goes on", async () => {
    const scheduler = new Scheduler(1);
    const crashes: unknown[] = [];
    new Mailbox(() => {}, scheduler).push(() => spin(2));
    const closed = new Mailbox(() => {}, scheduler);
    const crashing = new Mailbox((error) => crashes.push(error), scheduler);
    const after = new Mailbox(() => {}, scheduler);
    const log: string[] = [];
    closed.push(() => log.push("closed ran"));
    crashing.push(() => { throw new Error("bad view"); });
    after.push(() => log.push("after ran"));
    closed.close();
    await untilIdle(scheduler);
    await after.settled();
    expect(log).toEqual(["after ran"]);
    expect(crashes).toHaveLength(1);
  });

  test("a high-priority mailbox that has to wait runs before every normal one waiting, at the start of the next slice", async () => {
    const scheduler = new Scheduler(1);
    const log: string[] = [];
    new Mailbox(() => {}, scheduler).push(() => spin(2)); // spends this turn's slice
    const normal = Array.from({ length: 50 }, () => new Mailbox(() => {}, scheduler));
    normal.forEach((box, i) => box.push(() => { spin(0.1); log.push(`n${i}`); }));
    const urgent = new Mailbox(() => {}, scheduler);
    urgent.priority = "high";
    urgent.push(() => log.push("urgent"));
    expect(scheduler.waiting).toBe(51);
    await untilIdle(scheduler);
    expect(log[0]).toBe("urgent");
    expect(log.slice(1)).toEqual(normal.map((_, i) => `n${i}`));
  });

  test("a high-priority mailbox given work by a normal one during a slice runs next, ahead of the normal ones still waiting", async () => {
    const scheduler = new Scheduler(1);
    const log: string[] = [];
    new Mailbox(() => {}, scheduler).push(() => spin(2));
    const urgent = new Mailbox(() => {}, scheduler);
    urgent.priority = "high";
    const normal = Array.from({ length: 40 }, () => new Mailbox(() => {}, scheduler));
    normal.forEach((box, i) =>
      box.push(() => {
        spin(0.1);
        log.push(`n${i}`);
        // Whether the slice still has time (it runs at once) or not (it is queued ahead of the
        // normal mailboxes waiting), the urgent one runs right after the one that told it.
        if (i === 0 || i === 20) urgent.push(() => log.push(`urgent after n${i}`));
      }),
    );
    await untilIdle(scheduler);
    expect(log.filter((entry) => entry.startsWith("n"))).toEqual(normal.map((_, i) => `n${i}`));
    expect(log.indexOf("urgent after n0")).toBe(1);
    expect(log.indexOf("urgent after n20")).toBe(log.indexOf("n20") + 1);
  });

  test.each([0, -1, Number.NaN])("a slice of %s ms is refused", (ms) => {
    expect(() => new Scheduler(ms)).toThrow(/slice/);
    expect(() => { new Scheduler().sliceMs = ms; }).toThrow(/slice/);
  });
});
