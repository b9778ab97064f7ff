// Long polling with a websocket's face: the socket uses it unchanged when websockets are blocked.
// GET polls for frames (the first GET opens a session and returns its token); POST sends frames.

export class LongPoll {
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  readonly #url: string;
  #token = "";
  #outbox: string[] = [];

  constructor(url: string) {
    this.#url = url;
    void this.#poll();
  }

  #endpoint(): string {
    return `${this.#url}${this.#token ? `&token=${encodeURIComponent(this.#token)}` : ""}`;
  }

  async #poll(): Promise<void> {
    while (this.readyState < 2) {
      let body: { status: number; token?: string; messages?: unknown[] };
      try {
        const response = await fetch(this.#endpoint(), { cache: "no-store", credentials: "same-origin" });
        body = await response.json();
      } catch {
        return this.close(1006);
      }
      if (this.readyState >= 2) return;
      if (body.token) this.#token = body.token;
      if (body.status === 410) {
        if (this.readyState === 1) return this.close(1006); // the session ended on the server
        this.readyState = 1;
        this.onopen?.();
      } else if (body.status === 200) {
        for (const message of body.messages ?? []) this.onmessage?.({ data: JSON.stringify(message) });
      } else if (body.status !== 204) {
        return this.close(1006);
      }
    }
  }

  send(data: string): void {
    // Frames sent in one tick travel in one POST, one per line.
    if (this.#outbox.push(data) > 1) return;
    queueMicrotask(() => {
      const body = this.#outbox.join("\n");
      this.#outbox = [];
      fetch(this.#endpoint(), { method: "POST", body, headers: { "content-type": "text/plain" }, credentials: "same-origin" })
        .then((r) => r.json())
        .then((r: { status: number }) => r.status === 200 || this.close(1006))
        .catch(() => this.close(1006));
    });
  }

  close(code = 1000): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.onclose?.({ code });
  }
}
