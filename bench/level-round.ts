// One round of the cluster benchmark: the level changes of one tick of sales, and for each page
// the arrival of the frame after which its merged HTML shows each of them.
//
// Frames are only timed and kept while they arrive: a frame that names the new level ("low") makes
// the page a candidate for that change, and once every page is one, each page's frames are merged
// in order and its HTML read after each, so the HTML work lands after the frames it times. A page
// whose candidate frame turns out not to show the change waits for its next frame.

import type { Level } from "../src/store/levels.ts";
import { toHTML, type ClientTree } from "../src/switchboard/index.ts";

export interface LevelChange {
  readonly itemId: number;
  readonly level: Level;
}

/** When the first page, the median page and the last page showed a change: process.hrtime.bigint() as strings. */
export interface Seen {
  first: string;
  median: string;
  last: string;
}

export interface RoundReport {
  round: number;
  /** One per change, in the order announced. */
  seen: Seen[];
  /** Diff frames merged this round, all pages together. */
  frames: number;
  /** Driver time spent merging and reading HTML this round, ms. */
  verifyMs: number;
  /** Pages whose candidate frame did not show every change yet. */
  recounted: number;
}

export interface Frame {
  readonly at: bigint;
  readonly data: Buffer;
}

/** A page as a round sees it. */
export interface RoundPage {
  readonly index: number;
  readonly tree: ClientTree;
  /** Frames received and not merged yet, oldest first. */
  readonly inbox: Frame[];
  /** Indexes of the round's changes this page does not show yet, and which of them a kept frame may show. */
  pending: number[];
  candidate: boolean[];
  /** Merges the oldest kept frame into the tree. */
  mergeNext(): Frame;
}

interface Expected extends LevelChange {
  /** What a diff showing the level must contain. */
  readonly token: Buffer;
  /** The size's button at that level, in the page's HTML. */
  readonly pattern: RegExp;
}

export class Round {
  readonly changes: Expected[];
  /** Per change, per page: arrival of the frame after which the page showed it. */
  readonly shown: bigint[][];
  /** Pages with a candidate frame for every pending change; pages showing every change. */
  candidates = 0;
  done = 0;
  verifying = false;
  frames = 0;
  verifyNs = 0n;
  recounted = 0;
  readonly finished: Promise<void>;
  finish!: () => void;

  constructor(
    readonly number: number,
    changes: readonly LevelChange[],
    pages: number,
  ) {
    this.changes = changes.map((c) => ({ ...c, token: Buffer.from(`"${c.level}"`), pattern: new RegExp(`--level-${c.level}"[^>]*value="${c.itemId}"`) }));
    this.shown = changes.map(() => new Array<bigint>(pages).fill(0n));
    this.finished = new Promise((resolve) => (this.finish = resolve));
  }

  /** Whether the page has a candidate frame for every change it does not show yet. */
  ready(page: RoundPage): boolean {
    return page.pending.every((c) => page.candidate[c]);
  }

  /** Marks the page's pending changes this frame may show; true when each has a candidate. */
  screen(page: RoundPage, data: Buffer): boolean {
    let all = true;
    for (const c of page.pending) {
      if (!page.candidate[c] && data.includes(this.changes[c]!.token)) page.candidate[c] = true;
      all &&= page.candidate[c]!;
    }
    return all;
  }

  /** Merges the page's frames in order until it shows every change; true if it does. */
  verify(page: RoundPage): boolean {
    const started = process.hrtime.bigint();
    while (page.pending.length > 0 && page.inbox.length > 0) {
      const frame = page.mergeNext();
      this.frames++;
      const html = toHTML(page.tree);
      page.pending = page.pending.filter((c) => {
        if (!this.changes[c]!.pattern.test(html)) return true;
        this.shown[c]![page.index] = frame.at;
        return false;
      });
    }
    this.verifyNs += process.hrtime.bigint() - started;
    if (page.pending.length === 0) return true;
    for (const c of page.pending) page.candidate[c] = false;
    this.recounted++;
    return false;
  }

  report(): RoundReport {
    const seen = this.shown.map((times) => {
      const sorted = [...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return { first: String(sorted[0]), median: String(sorted[(sorted.length - 1) >> 1]), last: String(sorted[sorted.length - 1]) };
    });
    return { round: this.number, seen, frames: this.frames, verifyMs: Number(this.verifyNs) / 1e6, recounted: this.recounted };
  }
}
