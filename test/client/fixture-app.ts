// The app the browser tests drive: one small live view per scenario of the client's end-to-end
// tests, served by the real plugin on 127.0.0.1. Run as a script (PORT=…) it is the server the
// reconnect test kills with SIGKILL and starts again on the same port.

import Fastify, { type FastifyInstance } from "fastify";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { defineComponent, defineLive, html, JS, liveComponent, raw, switchboard, type EventValue, type LayoutProps } from "../../src/switchboard/index.ts";

/** Fixed, so a restarted server accepts the tokens the page got from the one it replaced. */
export const FIXTURE_SECRET = "fixture-secret-for-the-browser-tests-only-0123456789";

type Ev = Record<string, EventValue>;
const str = (v: unknown) => (Array.isArray(v) ? v.join(",") : String(v ?? ""));

// ---- 1. counter -------------------------------------------------------------------------------

const Counter = defineLive<{ count: number; clicks: number }, Ev>({
  title: "Counter",
  mount(_c, socket) {
    socket.assign({ count: 0, clicks: 0 });
  },
  handleEvent: {
    inc({ by }, socket) {
      socket.assign({ count: socket.assigns.count + Number(by), clicks: socket.assigns.clicks + 1 });
    },
  },
  render: ({ count, clicks }) => html`
    <p>Count: <b id="count">${count}</b> after <i id="clicks">${clicks}</i> clicks</p>
    <button id="inc1" phx-click="inc" phx-value-by="1">+1</button>
    <button id="inc5" phx-click="inc" phx-value-by="5">+5</button>`,
});

// ---- 2. forms ----------------------------------------------------------------------------------

interface FormAssigns {
  email: string;
  target: string;
  error: string;
  saved: number;
  received: string;
}

const Form = defineLive<FormAssigns, Ev>({
  mount(_c, socket) {
    socket.assign({ email: "", target: "", error: "", saved: 0, received: "" });
  },
  handleEvent: {
    async validate(value, socket) {
      await sleep(15); // replies lag behind fast typing, as over a slow network
      const email = str(value.email);
      socket.assign({ email, target: str(value._target), error: email && !email.includes("@") ? "email must contain @" : "" });
    },
    async save(value, socket) {
      await sleep(600); // slow on purpose: the test looks at the page while this runs
      socket.assign({ saved: socket.assigns.saved + 1, email: str(value.email) });
    },
    prefs(value, socket) {
      socket.assign({ received: JSON.stringify(value) });
    },
  },
  render: ({ email, target, error, saved, received }) => html`
    <form id="signup" phx-change="validate" phx-submit="save">
      <input id="name" name="name" type="text" />
      <input id="email" name="email" type="text" value=${email} />
      ${error ? html`<p class="error" id="email-error">${error}</p>` : null}
      <button id="save" type="submit" phx-disable-with="Saving…">Save</button>
    </form>
    <p>target: <span id="target">${target}</span>, email: <span id="server-email">${email}</span>, saved: <span id="saved">${saved}</span></p>
    <form id="prefs" phx-submit="prefs">
      <input type="checkbox" name="color" value="red" checked />
      <input type="checkbox" name="color" value="green" />
      <input type="checkbox" name="color" value="blue" checked />
      <input type="checkbox" name="terms" value="yes" />
      <input type="checkbox" name="news" value="yes" checked />
      <select name="sizes" multiple>
        <option value="S">S</option>
        <option value="M" selected>M</option>
        <option value="L" selected>L</option>
      </select>
      <input type="radio" name="plan" value="free" />
      <input type="radio" name="plan" value="pro" checked />
      <input name="tag" value="a" />
      <input name="tag" value="b" />
      <input name="secret" value="hidden" disabled />
      <textarea name="bio">hi & bye</textarea>
      <button id="prefs-save" type="submit" name="action" value="save">Save</button>
      <button type="submit" name="action" value="other">Other</button>
    </form>
    <pre id="received">${received}</pre>`,
});

// ---- 3. typing while the server pushes -----------------------------------------------------------

const Clock = defineLive<{ ticks: number; note: string }, Ev>({
  mount(_c, socket) {
    socket.assign({ ticks: 0, note: "" });
    if (socket.connected) socket.sendInfo("tick", null, 50);
  },
  handleInfo(message, socket) {
    if (message.event !== "tick") return;
    socket.update("ticks", (n) => n + 1);
    socket.sendInfo("tick", null, 50);
  },
  handleEvent: {
    draft: (value, socket) => socket.assign({ note: str(value.note) }),
  },
  render: ({ ticks, note }) => html`
    <p>Clock: <time id="clock">${ticks}</time></p>
    <form id="draft" phx-change="draft">
      <input id="note" name="note" type="text" value=${note} phx-debounce="400" />
    </form>
    <p>server has: <span id="echo">${note}</span></p>`,
});

// ---- 4. debounce and throttle -----------------------------------------------------------------------

interface Counts {
  search: number;
  searched: string;
  blurred: number;
  blurValue: string;
  throttled: number;
}

const Limits = defineLive<Counts, Ev>({
  mount(_c, socket) {
    socket.assign({ search: 0, searched: "", blurred: 0, blurValue: "", throttled: 0 });
  },
  handleEvent: {
    search: (value, socket) => socket.assign({ search: socket.assigns.search + 1, searched: str(value.q) }),
    blurred: (value, socket) => socket.assign({ blurred: socket.assigns.blurred + 1, blurValue: str(value.b) }),
    throttled: (_value, socket) => socket.update("throttled", (n) => n + 1),
  },
  render: (a) => html`
    <input id="debounced" name="q" phx-change="search" phx-debounce="300" />
    <input id="on-blur" name="b" phx-change="blurred" phx-debounce="blur" />
    <input id="elsewhere" />
    <button id="throttled" phx-click="throttled" phx-throttle="300">go</button>
    <p>
      search <span id="search-n">${a.search}</span> <span id="search-v">${a.searched}</span>,
      blur <span id="blur-n">${a.blurred}</span> <span id="blur-v">${a.blurValue}</span>,
      throttled <span id="throttled-n">${a.throttled}</span>
    </p>`,
});

// ---- 5. hooks ----------------------------------------------------------------------------------------

const Hooks = defineLive<{ value: number; other: number; shown: boolean }, Ev>({
  mount(_c, socket) {
    socket.assign({ value: 1, other: 0, shown: true });
  },
  handleEvent: {
    bump: (_v, socket) => socket.update("value", (n) => n + 1),
    other: (_v, socket) => socket.update("other", (n) => n + 1),
    toggle: (_v, socket) => socket.update("shown", (shown) => !shown),
    ping: (_v, socket) => socket.pushEvent("highlight", { id: 7 }),
    double: (value) => ({ reply: { doubled: Number(value.n) * 2 } }),
  },
  render: ({ value, other, shown }) => html`
    ${shown ? html`<div id="chart" phx-hook="Chart" data-value=${value}>chart ${value}</div>` : null}
    <p id="other">${other}</p>
    <button id="bump" phx-click="bump">bump</button>
    <button id="bump-other" phx-click="other">other</button>
    <button id="toggle" phx-click="toggle">toggle</button>
    <button id="ping" phx-click="ping">ping</button>`,
});

/** Hooks defined by the page before the client boots, logging what they are told to window.hookLog. */
const hooksScript = raw(`<script>
  window.hookLog = [];
  window.SwitchboardHooks = {
    Chart: {
      mounted() {
        hookLog.push("mounted:" + this.el.dataset.value);
        window.chart = this;
        this.handleEvent("highlight", (payload) => hookLog.push("highlight:" + payload.id));
      },
      updated() { hookLog.push("updated:" + this.el.dataset.value); },
      destroyed() { hookLog.push("destroyed"); },
      disconnected() { hookLog.push("disconnected"); },
      reconnected() { hookLog.push("reconnected"); },
    },
  };
</script>`);

// ---- 6. navigation -------------------------------------------------------------------------------

const NavA = defineLive<{ page: number; instance: string }, Ev>({
  title: "Page A",
  mount(_c, socket) {
    socket.assign({ page: 1, instance: Math.random().toString(36).slice(2, 10) });
  },
  handleParams(params, _url, socket) {
    socket.assign({ page: Number(params.page ?? 1) });
  },
  handleEvent: {
    next: (_v, socket) => socket.pushPatch(`/nav/a?page=${socket.assigns.page + 1}`),
    go: (_v, socket) => socket.pushNavigate("/nav/b?from=server"),
  },
  render: ({ page, instance }) => html`
    <h1 id="title">A page ${page}</h1>
    <p id="instance">${instance}</p>
    <button id="next" phx-click="next">next</button>
    <a id="patch-link" data-phx-link="patch" href="/nav/a?page=5">page 5</a>
    <button id="go-b" phx-click="go">to B</button>
    <a id="navigate-link" data-phx-link="navigate" href="/nav/b?from=link">B by link</a>`,
});

const NavB = defineLive<{ from: string }, Ev>({
  title: "Page B",
  mount({ params }, socket) {
    socket.assign({ from: str(params.from) });
  },
  render: ({ from }) => html`
    <h1 id="title">B from ${from}</h1>
    <a id="back-to-a" data-phx-link="navigate" href="/nav/a?page=9">A page 9</a>`,
});

// ---- 7. a form that survives the server's restart -------------------------------------------------

const Recover = defineLive<{ title: string; body: string }, Ev>({
  mount(_c, socket) {
    socket.assign({ title: "", body: "" });
  },
  handleEvent: {
    draft: (value, socket) => socket.assign({ title: str(value.title), body: str(value.body) }),
  },
  render: ({ title, body }) => html`
    <form id="draft-form" phx-change="draft">
      <input id="title" name="title" value=${title} />
      <textarea id="body" name="body">${body}</textarea>
    </form>
    <p id="server-title">${title}</p>
    <p id="server-body">${body}</p>
    <div id="watch" phx-hook="Chart" data-value="0"></div>`,
});

// ---- 8. PubSub between tabs ---------------------------------------------------------------------------

const Room = defineLive<{ me: string; messages: string[] }, Ev>({
  mount({ params }, socket) {
    socket.assign({ me: str(params.me), messages: [] });
    if (socket.connected) socket.subscribe("room:lobby");
  },
  handleEvent: {
    shout: (_v, socket) => socket.broadcast("room:lobby", "said", `${socket.assigns.me} says hi`),
  },
  handleInfo(message, socket) {
    if (message.event === "said") socket.update("messages", (list) => [...list, String(message.payload)]);
  },
  render: ({ me, messages }) => html`
    <h1>${me}</h1>
    <button id="shout" phx-click="shout">shout</button>
    <p id="messages">${messages.join(" | ")}</p>`,
});

// ---- 10. client-side commands -------------------------------------------------------------------------

const Commands = defineLive<{ n: number; dismissed: number }, Ev>({
  mount(_c, socket) {
    socket.assign({ n: 0, dismissed: 0 });
  },
  handleEvent: {
    bump: (_v, socket) => socket.update("n", (n) => n + 1),
    dismissed: (value, socket) => socket.update("dismissed", (n) => n + Number(value.by ?? 1)),
  },
  render: ({ n, dismissed }) => html`
    <button id="toggle-menu" phx-click=${JS.toggle({ to: "#menu" })}>menu</button>
    <button id="show-menu" phx-click=${JS.show({ to: "#menu", display: "flex" })}>show menu</button>
    <div id="menu" style="display: none">menu ${n}</div>
    <button id="mark" phx-click=${JS.addClass("marked", { to: "#box" })}>mark</button>
    <div id="box" class=${`box v${n}`}>box ${n}</div>
    <button id="dismiss" phx-value-by="2" phx-click=${JS.hide({ to: "#banner" }).push("dismissed")}>dismiss</button>
    <div id="banner">banner ${n}</div>
    <p>dismissed <span id="dismissed">${dismissed}</span></p>
    <button id="bump" phx-click="bump">bump</button>`,
});

// ---- 11. the other bindings -------------------------------------------------------------------------------

const Tally = defineComponent<{ id: string }, { id: string; count: number }, Ev>({
  mount: (socket) => socket.assign({ count: 0 }),
  handleEvent: {
    inc: (_v, socket) => socket.update("count", (n) => n + 1),
  },
  render: ({ count }, { myself }) => html`
    <div id="tally"><button id="tally-inc" phx-click="inc" phx-target=${myself}>component ${count}</button></div>`,
});

const Bindings = defineLive<{ n: number; open: boolean; log: string[] }, Ev>({
  mount(_c, socket) {
    socket.assign({ n: 0, open: false, log: [] });
  },
  handleEvent: {
    open: (_v, socket) => socket.assign({ open: true }),
    close(_v, socket) {
      socket.assign({ open: false });
      socket.update("log", (log) => [...log, "close"]);
    },
    key: (value, socket) => socket.update("log", (log) => [...log, `key:${str(value.key)}`]),
    win: (value, socket) => socket.update("log", (log) => [...log, `win:${str(value.key)}`]),
    focused: (_v, socket) => socket.update("log", (log) => [...log, "focus"]),
    blurred: (_v, socket) => socket.update("log", (log) => [...log, "blur"]),
    inc: (_v, socket) => socket.update("log", (log) => [...log, "parent-inc"]),
    bump: (_v, socket) => socket.update("n", (n) => n + 1),
  },
  render: ({ n, open, log }) => html`
    <div phx-window-keydown="win" phx-key="Escape"></div>
    <button id="open" phx-click="open">open</button>
    ${open ? html`<div id="dropdown" phx-click-away="close"><button id="inside">inside</button></div>` : null}
    <input id="field" phx-keydown="key" phx-key="Enter" phx-focus="focused" phx-blur="blurred" />
    <div id="ignored" phx-update="ignore">server ${n}</div>
    <p id="n">${n}</p>
    <button id="bump" phx-click="bump">bump</button>
    ${liveComponent(Tally, { id: "tally" })}
    <button id="parent-inc" phx-click="inc">parent</button>
    <div id="scroller" style="height: 60px; overflow: auto"><div style="height: 600px">rows ${n}</div></div>
    <p id="log">${log.join(",")}</p>`,
});

// ---- the app -------------------------------------------------------------------------------------

const layout = ({ title, csrfToken, scripts, content }: LayoutProps) => html`
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="csrf-token" content=${csrfToken} />
      <title>${title}</title>
      ${hooksScript}
      ${scripts}
    </head>
    <body>${content}</body>
  </html>`;

export interface FixtureOptions {
  /** Refuses websocket upgrades, as a proxy that blocks websockets would: the client must long-poll. */
  blockWebSocket?: boolean;
}

export async function buildFixtureApp(options: FixtureOptions = {}): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(switchboard, {
    secret: FIXTURE_SECRET,
    layout,
    // A client build other than client/dist (e.g. a deliberately broken one, to see a test fail).
    clientFile: process.env.E2E_CLIENT_FILE || undefined,
    liveRoutes: {
      "/counter": Counter,
      "/form": Form,
      "/clock": Clock,
      "/limits": Limits,
      "/hooks": Hooks,
      "/nav/a": NavA,
      "/nav/b": NavB,
      "/recover": Recover,
      "/room": Room,
      "/commands": Commands,
      "/bindings": Bindings,
    },
  });
  if (options.blockWebSocket) {
    // Added after the plugin, so @fastify/websocket has marked the request and frees its socket.
    app.addHook("onRequest", async (request, reply) => {
      if (request.url.startsWith("/live/websocket")) return reply.code(403).send({ error: "websockets blocked" });
    });
  }
  return app;
}

export interface FixtureServer {
  url: string;
  close(): Promise<void>;
}

export async function startFixture(options: FixtureOptions = {}): Promise<FixtureServer> {
  const app = await buildFixtureApp(options);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => app.close() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await buildFixtureApp();
  const url = await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
  console.log(`listening on ${url}`);
}
