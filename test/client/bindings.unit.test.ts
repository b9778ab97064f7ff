// @vitest-environment happy-dom
// The phx-* bindings, driven by DOM events against a fake client and view: what each binding pushes
// (event name, values, form values with _target, the key), which DOM events count, phx-debounce and
// phx-throttle, blur and submit flushing pending events, links followed without a reload; and, with
// a real View on a fake channel, loading classes and the double-submit lock.

import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { bind } from "../../client/bindings.ts";
import type { LiveClient } from "../../client/index.ts";
import { View } from "../../client/view.ts";
import { JS } from "../../src/switchboard/js.ts";

type Push = [type: string, el: Element, event: string, value: unknown, target?: number];

const pushes: Push[] = [];
const fakeView = {
  push: (type: string, el: Element, event: string, value: unknown, target?: number) => void pushes.push(target === undefined ? [type, el, event, value] : [type, el, event, value, target]),
  locked: vi.fn(() => false),
};
/** The view every element inside the live root belongs to (the fake one unless a test swaps it). */
let view: unknown = fakeView;
const client = {
  viewOf: (el: Element) => (el.closest("[data-phx-session]") ? view : undefined),
  follow: vi.fn(),
  popstate: vi.fn(),
};

beforeAll(() => bind(client as unknown as LiveClient));

beforeEach(() => {
  pushes.length = 0;
  view = fakeView;
  fakeView.locked.mockReset().mockReturnValue(false);
  client.follow.mockReset();
  client.popstate.mockReset();
  document.body.innerHTML = `<div id="root" data-phx-session="s"></div><div id="outside"></div>`;
});

afterEach(() => {
  vi.useRealTimers();
});

function mount(markup: string): void {
  document.getElementById("root")!.innerHTML = markup;
}

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector(selector) as T;

function fire(el: EventTarget, type: string, init: EventInit = {}): Event {
  const event = new Event(type, { bubbles: true, cancelable: true, ...init });
  el.dispatchEvent(event);
  return event;
}

function click(el: Element, init: MouseEventInit = {}): MouseEvent {
  const event = new MouseEvent("click", { bubbles: true, cancelable: true, button: 0, ...init });
  el.dispatchEvent(event);
  return event;
}

/** Types `value` into a field the way a browser reports it: the value changes, then "input". */
function type(selector: string, value: string): void {
  const input = $<HTMLInputElement>(selector);
  input.value = value;
  fire(input, "input");
}

function key(el: EventTarget, k: string, kind = "keydown"): void {
  el.dispatchEvent(new KeyboardEvent(kind, { key: k, bubbles: true, cancelable: true }));
}

function submit(form: HTMLFormElement, submitter: HTMLElement | null = null): SubmitEvent {
  const event = new SubmitEvent("submit", { bubbles: true, cancelable: true, submitter });
  form.dispatchEvent(event);
  return event;
}

describe("phx-click", () => {
  test("pushes the event with the element's phx-value-* values", () => {
    mount(`<button id="b" phx-click="inc" phx-value-id="7" phx-value-user-name="ada" class="x">+</button>`);
    click($("#b"));
    expect(pushes).toEqual([["click", $("#b"), "inc", { id: "7", "user-name": "ada" }]]);
  });

  test("a click inside the bound element counts for the bound element", () => {
    mount(`<div id="card" phx-click="open" phx-value-id="3"><span id="inner">text</span></div>`);
    click($("#inner"));
    expect(pushes).toEqual([["click", $("#card"), "open", { id: "3" }]]);
  });

  test("outside a live root nothing is pushed", () => {
    $("#outside").innerHTML = `<button id="b" phx-click="inc">+</button>`;
    click($("#b"));
    expect(pushes).toEqual([]);
  });

  test("prevents the default action of a link or of a button in a form, and only then", () => {
    mount(`<a id="a" href="/x" phx-click="go">x</a><form><button id="fb" phx-click="b">b</button></form><button id="b" phx-click="c">c</button>`);
    expect(click($("#a")).defaultPrevented).toBe(true);
    expect(click($("#fb")).defaultPrevented).toBe(true);
    expect(click($("#b")).defaultPrevented).toBe(false);
    expect(pushes.map((p) => p[2])).toEqual(["go", "b", "c"]);
  });

  test("a command list runs in the page, and its push carries the phx-value-* values merged with its own", () => {
    const js = JS.toggle({ to: "#menu" }).push("opened", { value: { via: "menu" }, target: 2 });
    mount(`<button id="b" phx-value-id="9">x</button><nav id="menu"></nav>`);
    $("#b").setAttribute("phx-click", js.toString());
    click($("#b"));
    expect($("#menu").style.display).toBe("none");
    expect(pushes).toEqual([["click", $("#b"), "opened", { id: "9", via: "menu" }, 2]]);
  });

  test("an empty command list does nothing", () => {
    mount(`<button id="b">x</button>`);
    $("#b").setAttribute("phx-click", new JS().toString());
    click($("#b"));
    expect(pushes).toEqual([]);
  });
});

describe("phx-click-away", () => {
  test("pushes when the click lands outside the element, not inside it", () => {
    mount(`<div id="menu" phx-click-away="close" phx-value-id="m"><button id="in">in</button></div><p id="elsewhere">p</p>`);
    click($("#in"));
    expect(pushes).toEqual([]);
    click($("#elsewhere"));
    expect(pushes).toEqual([["click", $("#menu"), "close", { id: "m" }]]);
  });
});

describe("links", () => {
  test("<a data-phx-link> is followed by the client without a page load", () => {
    mount(`<a id="p" href="/products?page=2" data-phx-link="patch">p</a><a id="n" href="/cart" data-phx-link="navigate" data-phx-link-state="replace">n</a>`);
    expect(click($("#p")).defaultPrevented).toBe(true);
    expect(click($("#n")).defaultPrevented).toBe(true);
    expect(client.follow.mock.calls).toEqual([
      [new URL("/products?page=2", location.href).href, true, false],
      [new URL("/cart", location.href).href, false, true],
    ]);
  });

  test("a click with a modifier key or another button is left to the browser", () => {
    mount(`<a id="p" href="/x" data-phx-link="patch">p</a>`);
    for (const init of [{ ctrlKey: true }, { metaKey: true }, { shiftKey: true }, { altKey: true }, { button: 1 }]) {
      expect(click($("#p"), init).defaultPrevented).toBe(false);
    }
    expect(client.follow).not.toHaveBeenCalled();
  });

  test("back and forward are handed to the client", () => {
    window.dispatchEvent(new PopStateEvent("popstate", { state: null }));
    expect(client.popstate).toHaveBeenCalledOnce();
  });
});

describe("phx-submit", () => {
  test("pushes the form's values, with the submitter, and prevents the page load", () => {
    mount(`<form id="f" phx-submit="save"><input name="a" value="1"><input type="checkbox" name="b" checked><button id="go" name="op" value="go">Go</button></form>`);
    const event = submit($<HTMLFormElement>("#f"), $("#go"));
    expect(event.defaultPrevented).toBe(true);
    expect(pushes).toEqual([["submit", $("#f"), "save", "a=1&b=on&op=go"]]);
  });

  test("a form without phx-submit is left to the browser", () => {
    mount(`<form id="f"><input name="a"></form>`);
    expect(submit($<HTMLFormElement>("#f")).defaultPrevented).toBe(false);
    expect(pushes).toEqual([]);
  });

  test("a locked form (a submit in flight) ignores a second submit, without a page load", () => {
    mount(`<form id="f" phx-submit="save"><input name="a" value="1"></form>`);
    fakeView.locked.mockReturnValue(true);
    expect(submit($<HTMLFormElement>("#f")).defaultPrevented).toBe(true);
    expect(pushes).toEqual([]);
  });

  test("sends a pending debounced change first, then the submit, and the change is not sent again", () => {
    vi.useFakeTimers();
    mount(`<form id="f" phx-change="validate" phx-submit="save"><input name="q" phx-debounce="500"></form>`);
    type("input", "shoes");
    expect(pushes).toEqual([]);
    submit($<HTMLFormElement>("#f"));
    expect(pushes).toEqual([
      ["change", $("#f"), "validate", "q=shoes&_target=q"],
      ["submit", $("#f"), "save", "q=shoes"],
    ]);
    vi.advanceTimersByTime(1000);
    expect(pushes).toHaveLength(2);
  });
});

describe("phx-change", () => {
  test("a text field pushes its form's values with _target on every input event, not on change", () => {
    mount(`<form id="f" phx-change="validate"><input name="user[name]"><input name="user[email]" value="a@b.c"></form>`);
    type("input[name='user[name]']", "Ad");
    fire($("input[name='user[name]']"), "change");
    expect(pushes).toEqual([["change", $("#f"), "validate", "user%5Bname%5D=Ad&user%5Bemail%5D=a%40b.c&_target=user%5Bname%5D"]]);
  });

  test("textareas count as text fields", () => {
    mount(`<form id="f" phx-change="validate"><textarea name="bio"></textarea></form>`);
    $<HTMLTextAreaElement>("textarea").value = "hi";
    fire($("textarea"), "input");
    fire($("textarea"), "change");
    expect(pushes).toEqual([["change", $("#f"), "validate", "bio=hi&_target=bio"]]);
  });

  test("checkboxes, radios and selects push on change, not on input", () => {
    mount(`<form id="f" phx-change="validate"><input type="checkbox" name="tos"><input type="radio" name="size" value="m">
      <select name="color"><option>red</option><option>blue</option></select></form>`);
    const box = $<HTMLInputElement>("input[name=tos]");
    box.checked = true;
    fire(box, "input");
    fire(box, "change");
    $<HTMLInputElement>("input[name=size]").checked = true;
    fire($("input[name=size]"), "change");
    $<HTMLSelectElement>("select").value = "blue";
    fire($("select"), "input");
    fire($("select"), "change");
    expect(pushes.map((p) => p[3])).toEqual(["tos=on&color=red&_target=tos", "tos=on&size=m&color=red&_target=size", "tos=on&size=m&color=blue&_target=color"]);
  });

  test("an input's own phx-change wins over its form's and still sends the whole form", () => {
    mount(`<form id="f" phx-change="validate"><input id="q" name="q" phx-change="search"><input name="page" value="1"></form>`);
    type("#q", "x");
    expect(pushes).toEqual([["change", $("#q"), "search", "q=x&page=1&_target=q"]]);
  });

  test("an input with phx-change outside a form sends its own value", () => {
    mount(`<input id="q" name="q" phx-change="search">`);
    type("#q", "red shoes");
    expect(pushes).toEqual([["change", $("#q"), "search", "q=red+shoes&_target=q"]]);
  });

  test("unnamed fields, and fields of a form without phx-change, push nothing", () => {
    mount(`<form phx-change="validate"><input id="anon"></form><form><input id="plain" name="x"></form>`);
    type("#anon", "a");
    type("#plain", "b");
    expect(pushes).toEqual([]);
  });
});

describe("keys", () => {
  test("phx-keydown pushes the key with the phx-value-* values", () => {
    mount(`<input id="i" phx-keydown="key" phx-value-row="2">`);
    key($("#i"), "a");
    expect(pushes).toEqual([["keydown", $("#i"), "key", { key: "a", row: "2" }]]);
  });

  test("phx-key filters keys, ignoring case", () => {
    mount(`<input id="i" phx-keydown="submit" phx-key="Enter"><input id="j" phx-keyup="esc" phx-key="escape">`);
    key($("#i"), "a");
    key($("#i"), "Enter");
    key($("#i"), "enter");
    key($("#j"), "Escape", "keyup");
    key($("#j"), "Escape", "keydown");
    expect(pushes.map((p) => [p[0], p[2], p[3]])).toEqual([
      ["keydown", "submit", { key: "Enter" }],
      ["keydown", "submit", { key: "enter" }],
      ["keyup", "esc", { key: "Escape" }],
    ]);
  });

  test("phx-window-keydown hears keys pressed anywhere", () => {
    mount(`<div id="modal" phx-window-keydown="close" phx-key="Escape"></div>`);
    key(document.body, "x");
    key($("#outside"), "Escape");
    expect(pushes).toEqual([["keydown", $("#modal"), "close", { key: "Escape" }]]);
  });

  test("a keydown without a key (as autofill sends) is ignored", () => {
    mount(`<input id="i" phx-keydown="key" phx-key="Enter"><div phx-window-keydown="w"></div>`);
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent) => errors.push(e.error);
    window.addEventListener("error", onError);
    expect(() => $("#i").dispatchEvent(new Event("keydown", { bubbles: true }))).not.toThrow();
    window.removeEventListener("error", onError);
    expect(errors).toEqual([]);
    expect(pushes).toEqual([]);
  });
});

describe("phx-focus and phx-blur", () => {
  test("push for the bound element itself", () => {
    mount(`<input id="i" phx-focus="on" phx-blur="off" phx-value-f="1">`);
    $("#i").focus();
    $("#i").blur();
    expect(pushes).toEqual([
      ["focus", $("#i"), "on", { f: "1" }],
      ["blur", $("#i"), "off", { f: "1" }],
    ]);
  });

  test("a focus inside a bound container does not count for the container", () => {
    mount(`<div phx-focus="on"><input id="i"></div>`);
    $("#i").focus();
    expect(pushes).toEqual([]);
  });
});

describe("phx-debounce", () => {
  test("a number waits that long after the last input and sends the latest values once", () => {
    vi.useFakeTimers();
    mount(`<form id="f" phx-change="validate"><input name="q" phx-debounce="300"></form>`);
    type("input", "s");
    vi.advanceTimersByTime(200);
    type("input", "sh");
    vi.advanceTimersByTime(200);
    type("input", "sho");
    vi.advanceTimersByTime(299);
    expect(pushes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(pushes).toEqual([["change", $("#f"), "validate", "q=sho&_target=q"]]);
    vi.advanceTimersByTime(1000);
    expect(pushes).toHaveLength(1);
  });

  test("\"blur\" sends nothing while typing and the latest values when the field loses focus", () => {
    vi.useFakeTimers();
    mount(`<form id="f" phx-change="validate"><input name="q" phx-debounce="blur"></form>`);
    $("input").focus();
    type("input", "a");
    type("input", "ab");
    vi.advanceTimersByTime(10_000);
    expect(pushes).toEqual([]);
    $("input").blur();
    expect(pushes).toEqual([["change", $("#f"), "validate", "q=ab&_target=q"]]);
    $("input").focus();
    $("input").blur();
    expect(pushes).toHaveLength(1);
  });

  test("a numeric debounce is cut short when the field loses focus", () => {
    vi.useFakeTimers();
    mount(`<form id="f" phx-change="validate"><input name="q" phx-debounce="2000"></form>`);
    $("input").focus();
    type("input", "x");
    $("input").blur();
    expect(pushes).toEqual([["change", $("#f"), "validate", "q=x&_target=q"]]);
    vi.advanceTimersByTime(5000);
    expect(pushes).toHaveLength(1);
  });

  test("debounces clicks too", () => {
    vi.useFakeTimers();
    mount(`<button id="b" phx-click="inc" phx-debounce="100">+</button>`);
    click($("#b"));
    click($("#b"));
    expect(pushes).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(pushes).toHaveLength(1);
  });
});

describe("phx-throttle", () => {
  test("sends at once, then at most once per interval, the last call at the interval's end", () => {
    vi.useFakeTimers();
    mount(`<button id="b" phx-click="inc" phx-throttle="500" phx-value-n="1">+</button>`);
    click($("#b"));
    expect(pushes).toHaveLength(1);
    vi.advanceTimersByTime(100);
    click($("#b"));
    $("#b").setAttribute("phx-value-n", "3");
    click($("#b"));
    expect(pushes).toHaveLength(1);
    vi.advanceTimersByTime(399);
    expect(pushes).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(pushes.map((p) => p[3])).toEqual([{ n: "1" }, { n: "3" }]);
    vi.advanceTimersByTime(2000);
    expect(pushes).toHaveLength(2);
    click($("#b"));
    expect(pushes).toHaveLength(3);
  });

  test("throttles key presses", () => {
    vi.useFakeTimers();
    mount(`<input id="i" phx-keydown="k" phx-throttle="200">`);
    for (const k of ["a", "b", "c", "d"]) key($("#i"), k);
    vi.advanceTimersByTime(200);
    expect(pushes.map((p) => (p[3] as { key: string }).key)).toEqual(["a", "d"]);
  });

  test("keeps throttling after a submit flushed a throttled change", () => {
    vi.useFakeTimers();
    mount(`<form id="f" phx-change="validate" phx-submit="save"><input name="q" phx-throttle="500"></form>`);
    type("input", "a");
    vi.advanceTimersByTime(100);
    type("input", "b");
    vi.advanceTimersByTime(100);
    submit($<HTMLFormElement>("#f"));
    expect(pushes.map((p) => p[3])).toEqual(["q=a&_target=q", "q=b&_target=q", "q=b"]);
    vi.advanceTimersByTime(400);
    type("input", "c");
    vi.advanceTimersByTime(100);
    type("input", "d");
    vi.advanceTimersByTime(500);
    expect(pushes.map((p) => p[3]).slice(3)).toEqual(["q=c&_target=q", "q=d&_target=q"]);
  });
});

describe("with a real View: loading classes and the double-submit lock", () => {
  /** A channel that records pushes and lets the test answer them. */
  function fakeChannel() {
    const sent: { event: string; payload: any; reply: (r: { status: "ok" | "error"; response: unknown }) => void }[] = [];
    return {
      sent,
      onJoin: () => {},
      on() {},
      join() {},
      leave() {},
      push(event: string, payload: unknown, onReply: (r: unknown) => void) {
        sent.push({ event, payload, reply: onReply });
      },
    };
  }

  function realView() {
    mount(`<form id="f" phx-change="validate" phx-submit="save"><input name="q"><button id="go" phx-disable-with="Saving…">Save</button></form>`);
    const channel = fakeChannel();
    const live = { socket: { channel: () => channel, connected: false }, session: "", csrf: "", hooks: {} };
    view = new View(live as unknown as LiveClient, $("#root"));
    return channel;
  }

  test("a change marks the form phx-change-loading and leaves its buttons alone", () => {
    const channel = realView();
    type("input", "a");
    expect(channel.sent.map((s) => s.payload)).toEqual([{ type: "form", event: "validate", value: "q=a&_target=q" }]);
    expect($("#f").className).toBe("phx-change-loading");
    expect($<HTMLButtonElement>("#go").disabled).toBe(false);
    channel.sent[0]!.reply({ status: "ok", response: {} });
    expect($("#f").className).toBe("");
  });

  test("a submit while a change is in flight is sent, locks the form, and a second submit is ignored", () => {
    const channel = realView();
    type("input", "a");
    submit($<HTMLFormElement>("#f"), $("#go"));
    expect(channel.sent.map((s) => [s.payload.type, s.payload.event])).toEqual([["form", "validate"], ["form", "save"]]);
    expect($("#f").classList.contains("phx-submit-loading")).toBe(true);
    expect($<HTMLButtonElement>("#go").disabled).toBe(true);
    expect($("#go").innerText).toBe("Saving…");
    submit($<HTMLFormElement>("#f"), $("#go"));
    expect(channel.sent).toHaveLength(2);
    channel.sent[0]!.reply({ status: "ok", response: {} });
    expect($("#f").className).toBe("phx-submit-loading");
    channel.sent[1]!.reply({ status: "ok", response: {} });
    expect($("#f").className).toBe("");
    expect($<HTMLButtonElement>("#go").disabled).toBe(false);
    expect($("#go").innerText).toBe("Save");
    submit($<HTMLFormElement>("#f"));
    expect(channel.sent).toHaveLength(3);
  });

  test("a click carries phx-click-loading until its reply, even an error", () => {
    mount(`<button id="b" phx-click="inc">+</button>`);
    const channel = fakeChannel();
    view = new View({ socket: { channel: () => channel, connected: false }, session: "", csrf: "", hooks: {} } as unknown as LiveClient, $("#root"));
    click($("#b"));
    expect($("#b").className).toBe("phx-click-loading");
    expect(channel.sent[0]!.payload).toEqual({ type: "click", event: "inc", value: {} });
    channel.sent[0]!.reply({ status: "error", response: {} });
    expect($("#b").className).toBe("");
  });
});
