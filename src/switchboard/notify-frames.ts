// How a broadcast travels as PostgreSQL NOTIFY payloads, which must stay under 8000 bytes: each
// message becomes one or more frames "<id>:<index>:<count>:<slice>", cut on UTF-8 character
// boundaries, and a Reassembler on the receiving node joins a message's frames back together.

/** NOTIFY refuses a payload of 8000 bytes or more (measured in the server's encoding: UTF-8). */
export const NOTIFY_PAYLOAD_LIMIT = 7999;

/** Most frames one message may claim; a larger count is a malformed frame (~128 MB). */
const MAX_FRAMES = 16_384;

export interface Frame {
  /** The message's id, unique in the cluster: "<sender instance>.<sequence>". */
  readonly id: string;
  readonly index: number;
  readonly count: number;
  readonly slice: string;
}

/**
 * The frames of one message, in order. Every frame starts with the message's id, so no two frames
 * are equal: PostgreSQL silently drops a NOTIFY that repeats an earlier payload of its transaction.
 */
export function toFrames(id: string, data: string, limit = NOTIFY_PAYLOAD_LIMIT): string[] {
  const single = `${id}:0:1:`;
  if (single.length + Buffer.byteLength(data) <= limit) return [single + data];
  const bytes = Buffer.from(data, "utf8");
  // The header is ASCII; its index and count have at most as many digits as the byte length.
  const digits = String(bytes.length).length;
  const budget = limit - (id.length + 3 + 2 * digits);
  if (budget < 4) throw new RangeError(`a NOTIFY frame limit of ${limit} bytes leaves no room after the header`);
  const slices: string[] = [];
  for (let start = 0; start < bytes.length; ) {
    let end = Math.min(start + budget, bytes.length);
    // Never cut inside a character: step back over UTF-8 continuation bytes (10xxxxxx).
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    slices.push(bytes.toString("utf8", start, end));
    start = end;
  }
  return slices.map((slice, index) => `${id}:${index}:${slices.length}:${slice}`);
}

/** Reads a frame's header; null when the payload is not a frame. */
export function parseFrame(payload: string): Frame | null {
  const a = payload.indexOf(":");
  const b = a < 1 ? -1 : payload.indexOf(":", a + 1);
  const c = b < 0 ? -1 : payload.indexOf(":", b + 1);
  if (c < 0) return null;
  const index = wholeNumber(payload.slice(a + 1, b));
  const count = wholeNumber(payload.slice(b + 1, c));
  if (index === null || count === null || count < 1 || count > MAX_FRAMES || index >= count) return null;
  return { id: payload.slice(0, a), index, count, slice: payload.slice(c + 1) };
}

function wholeNumber(text: string): number | null {
  return /^\d{1,6}$/.test(text) ? Number(text) : null;
}

export interface ReassemblerOptions {
  /** How long a message's frames may take to all arrive. */
  readonly timeoutMs: number;
  /** Most messages being reassembled at once; beyond it the oldest is dropped. */
  readonly maxPending: number;
  /** Most characters held in incomplete messages; beyond it the oldest are dropped. */
  readonly maxSize: number;
  /** A message that will never be whole: `why` says whether it timed out or was crowded out. */
  readonly onDrop: (id: string, why: string) => void;
}

interface Pending {
  readonly slices: string[];
  received: number;
  size: number;
  readonly expires: number;
}

/**
 * Joins frames back into messages. The frames of one message are sent in one transaction, so they
 * arrive together and in order; the timeout only catches what should not happen (a frame lost, a
 * foreign payload). Expired sets are swept whenever a frame arrives: no timers to clean up.
 */
export class Reassembler {
  readonly #pending = new Map<string, Pending>();
  readonly #options: ReassemblerOptions;
  #size = 0;

  constructor(options: ReassemblerOptions) {
    this.#options = options;
  }

  /** The whole message once `frame` completes it, else null. */
  add(frame: Frame, now = Date.now()): string | null {
    if (frame.count === 1) return frame.slice;
    this.#sweep(now);
    let pending = this.#pending.get(frame.id);
    if (!pending) {
      if (this.#pending.size >= this.#options.maxPending) this.#evictOldest(`more than ${this.#options.maxPending} messages were incomplete at once`);
      pending = { slices: new Array<string>(frame.count), received: 0, size: 0, expires: now + this.#options.timeoutMs };
      this.#pending.set(frame.id, pending);
    }
    if (pending.slices.length !== frame.count || pending.slices[frame.index] !== undefined) return null;
    pending.slices[frame.index] = frame.slice;
    pending.size += frame.slice.length;
    this.#size += frame.slice.length;
    if (++pending.received < frame.count) {
      while (this.#size > this.#options.maxSize && this.#pending.size > 0) this.#evictOldest(`incomplete messages held more than ${this.#options.maxSize} characters`);
      return null;
    }
    this.#forget(frame.id, pending);
    return pending.slices.join("");
  }

  /** Messages being reassembled right now. */
  get size(): number {
    return this.#pending.size;
  }

  /** Forgets every partial message (the link dropped: their missing frames will never come). */
  clear(): void {
    for (const id of this.#pending.keys()) this.#options.onDrop(id, "the link dropped before all its frames arrived");
    this.#pending.clear();
    this.#size = 0;
  }

  #sweep(now: number): void {
    for (const [id, pending] of this.#pending) {
      if (pending.expires > now) break; // insertion order is expiry order
      this.#forget(id, pending);
      this.#options.onDrop(id, `its frames did not all arrive within ${this.#options.timeoutMs} ms`);
    }
  }

  #evictOldest(why: string): void {
    const [oldest] = this.#pending;
    if (!oldest) return;
    this.#forget(...oldest);
    this.#options.onDrop(oldest[0], why);
  }

  #forget(id: string, pending: Pending): void {
    this.#pending.delete(id);
    this.#size -= pending.size;
  }
}
