// Element and form handles (src/testing/element.ts): the events they send are the ones a browser's
// client would send for the same markup — values, targets, key filters, JS command pushes, and
// form bodies built from the form's real fields.

import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { defineComponent, defineLive, html, JS, liveComponent, type EventValue } from "../../src/switchboard/index.ts";
import { live, type TestView } from "../../src/testing/index.ts";
import { createApp, type TestApp } from "../support/app.ts";

let t: TestApp;
let view: TestView;
/** Every event the view or its component received: [target, event, value]. */
const received: [string, string, EventValue][] = [];

/** Handlers that only record what they receive. */
const recorder = (target: string, events: string[]) => Object.fromEntries(events.map((event) => [event, (value: EventValue) => void received.push([target, event, value])]));

const Panel = defineComponent<{ id: string }, {}, Record<string, EventValue>>({
  handleEvent: recorder("panel", ["poke"]),
  render: (_a, { myself }) => html`<section id="panel" phx-target=${myself}><button id="inner" phx-click="poke">poke</button></section>`,
});

const Page = defineLive<{}, Record<string, EventValue>>({
  mount() {},
  handleEvent: recorder("view", ["go", "opened", "up", "down", "changed", "saved"]),
  render: () => html`
    <button id="plain" phx-click="go" phx-value-id="7" phx-value-kind="shoe">go</button>
    <button id="js" phx-click=${JS.hide({ to: "#x" }).push("opened", { value: { from: "js" } })} phx-value-id="8">js</button>
    <button id="hide-only" phx-click=${JS.hide({ to: "#x" })}>hide</button>
    <div id="window" phx-window-keyup="up"></div>
    <input id="key" phx-keydown="down" />
    ${liveComponent(Panel, { id: "panel" })}
    <form id="f" phx-change="changed" phx-submit="saved">
      <input name="name" value="Ada" />
      <input name="token" type="hidden" value="t1" />
      <input name="off" value="x" disabled />
      <fieldset disabled><input name="fenced" value="y" /></fieldset>
      <input type="checkbox" name="news" />
      <input type="checkbox" name="terms" value="agreed" checked />
      <input type="radio" name="size" value="42" /><input type="radio" name="size" value="43" checked />
      <select name="color"><option>red</option><option>blue</option></select>
      <select name="tags[]" multiple><option value="a" selected>A</option><option value="b">B</option><option value="c" selected>C</option></select>
      <textarea name="note">hello
there</textarea>
      <button name="action" value="save">Save</button>
      <input type="submit" name="commit" value="Go" />
    </form>`,
});

beforeEach(async () => {
  received.length = 0;
  t = await createApp({ liveRoutes: { "/": Page } });
  view = await live(t.app, "/");
});
afterEach(() => t?.close());

describe("ElementHandle", () => {
  test("click() sends phx-value-* values (overridden by the test's own) with type click", async () => {
    await view.element("#plain").click({ kind: "boot", extra: "1" });
    expect(received).toEqual([["view", "go", { id: "7", kind: "boot", extra: "1" }]]);
    expect(view.frames("phx_reply").length).toBe(2);
  });

  test("a JS command list sends only its pushes, with the binding's values and the push's own", async () => {
    await view.element("#js").click();
    await view.element("#hide-only").click();
    expect(received).toEqual([["view", "opened", { id: "8", from: "js" }]]);
  });

  test("phx-target on an ancestor sends the event to that component", async () => {
    await view.element("#inner").click();
    expect(received).toEqual([["panel", "poke", {}]]);
  });

  test("keys: the key travels in the value; phx-window-* bindings work; no phx-keyup binding is an error", async () => {
    await view.element("#key").keydown("x");
    await view.element("#window").keyup("Escape");
    expect(received).toEqual([["view", "down", { key: "x" }], ["view", "up", { key: "Escape" }]]);
    await expect(view.element("#key").keyup("x")).rejects.toMatchObject({ code: "SB_ERR_TEST_BINDING" });
  });
});

describe("FormHandle", () => {
  test("a form's body is what a browser submits: checked boxes, the selected option (or the first), textareas; not disabled fields or buttons", () => {
    const body = new URLSearchParams(view.form("#f").encode());
    expect([...body]).toEqual([
      ["name", "Ada"],
      ["token", "t1"],
      ["terms", "agreed"],
      ["size", "43"],
      ["color", "red"],
      ["tags[]", "a"],
      ["tags[]", "c"],
      ["note", "hello\nthere"],
    ]);
  });

  test("the test's values replace the form's: true checks a box, false unchecks it, arrays fill [] names; _target names the last field set", () => {
    const body = view.form("#f", { name: "Grace", news: true, terms: false, tags: ["b"] }).encode({}, true);
    expect([...new URLSearchParams(body)]).toEqual([
      ["name", "Grace"],
      ["token", "t1"],
      ["size", "43"],
      ["color", "red"],
      ["tags[]", "b"],
      ["note", "hello\nthere"],
      ["news", "on"],
      ["_target", "tags[]"],
    ]);
    expect(view.form("#f", { name: "x" }).encode({ _target: "note" }, true)).toContain("_target=note");
  });

  test("change() and submit() send the form's binding with type form, decoded by the server as the handler sees it", async () => {
    await view.form("#f", { name: "Grace" }).change();
    await view.form("#f").submit({ color: "blue" });
    expect(received[0]).toEqual(["view", "changed", { name: "Grace", token: "t1", terms: "agreed", size: "43", color: "red", tags: ["a", "c"], note: "hello\nthere", _target: "name" }]);
    expect(received[1]![1]).toBe("saved");
    expect(received[1]![2].color).toBe("blue");
    expect(view.frames("phx_reply").length).toBe(3);
  });

  test("a value for a field the form does not render is SB_ERR_TEST_FORM_FIELD, listing the real fields, and nothing is sent", async () => {
    const error = await view.form("#f", { email: "a@b.c" }).submit().catch((e: Error) => e);
    expect(error).toMatchObject({ code: "SB_ERR_TEST_FORM_FIELD", message: expect.stringContaining(`"name", "token"`) });
    expect(received).toEqual([]);
  });
});
