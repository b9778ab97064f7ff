// MountContext.newSession: true only for the HTTP render of the request that created the session
// (a first visit, whose session can hold nothing yet); false for a returning visitor and once
// connected, so a mount may skip reading what belongs to a brand-new session.

import { afterEach, describe, expect, test } from "vitest";
import { defineLive, html } from "../../src/switchboard/index.ts";
import { live } from "../../src/testing/index.ts";
import { createApp, type TestApp } from "../support/app.ts";

const seen: { connected: boolean; newSession: boolean }[] = [];
const Page = defineLive({
  mount(context, socket) {
    seen.push({ connected: socket.connected, newSession: context.newSession });
  },
  render: () => html`<p>hello</p>`,
});

let testApp: TestApp | null = null;
afterEach(async () => {
  seen.length = 0;
  await testApp?.close();
});

describe("MountContext.newSession", () => {
  test("is true for a first visit's HTTP render, false for a returning visitor and for the connected mount", async () => {
    testApp = await createApp({ secret: "s".repeat(64), liveRoutes: { "/": Page } });
    const first = await testApp.app.inject({ method: "GET", url: "/" });
    expect(first.statusCode).toBe(200);
    const cookie = first.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    const again = await testApp.app.inject({ method: "GET", url: "/", headers: { cookie } });
    expect(again.statusCode).toBe(200);
    expect(again.cookies).toHaveLength(0); // the session was read, not made
    await live(testApp.app, "/");
    expect(seen).toEqual([
      { connected: false, newSession: true },
      { connected: false, newSession: false },
      { connected: false, newSession: true }, // live() loads the page as a first visit
      { connected: true, newSession: false },
    ]);
  });
});
