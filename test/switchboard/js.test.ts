// @vitest-environment happy-dom
// JS, the server-side builder of client-side commands: immutable and chainable, its JSON shape
// (what the client's commands.ts executes), and its trip through an html template into an
// attribute: escaped once, parsed back by the browser, recognised and run by the client.

import { describe, expect, test } from "vitest";
import { exec, isCommands } from "../../client/commands.ts";
import { build, createTree, diff, DiffContext, html, JS, merge, render, toHTML } from "../../src/switchboard/index.ts";

const json = (js: JS) => JSON.parse(js.toString());

describe("building", () => {
  test("each method returns a new JS and leaves the one it was called on unchanged", () => {
    const base = JS.show({ to: "#a" });
    const longer = base.hide({ to: "#b" });
    const other = base.addClass("x");
    expect(longer).not.toBe(base);
    expect(json(base)).toEqual([["show", { to: "#a" }]]);
    expect(json(longer)).toEqual([["show", { to: "#a" }], ["hide", { to: "#b" }]]);
    expect(json(other)).toEqual([["show", { to: "#a" }], ["add_class", { names: ["x"] }]]);
  });

  test("mutating an options object after the call does not change the command", () => {
    const options: { to?: string } = { to: "#menu" };
    const js = JS.toggle(options).focus(options).addClass("open", options);
    options.to = "#elsewhere";
    expect(json(js)).toEqual([["toggle", { to: "#menu" }], ["focus", { to: "#menu" }], ["add_class", { to: "#menu", names: ["open"] }]]);
  });

  test("a new JS is empty and serialises to []", () => {
    expect(new JS().ops).toEqual([]);
    expect(new JS().toString()).toBe("[]");
  });

  test("static and instance methods build the same commands", () => {
    const pairs: [JS, JS][] = [
      [JS.show({ display: "flex" }), new JS().show({ display: "flex" })],
      [JS.hide({ to: "#a" }), new JS().hide({ to: "#a" })],
      [JS.toggle(), new JS().toggle()],
      [JS.addClass("a b"), new JS().addClass("a b")],
      [JS.removeClass(["a"]), new JS().removeClass(["a"])],
      [JS.toggleClass("a"), new JS().toggleClass("a")],
      [JS.setAttribute("n", "v"), new JS().setAttribute("n", "v")],
      [JS.removeAttribute("n"), new JS().removeAttribute("n")],
      [JS.focus({ to: "#f" }), new JS().focus({ to: "#f" })],
      [JS.push("e", { value: { a: "1" } }), new JS().push("e", { value: { a: "1" } })],
    ];
    for (const [a, b] of pairs) expect(a.toString()).toBe(b.toString());
  });
});

describe("the JSON shape", () => {
  test("every command is [op, args]", () => {
    const js = JS.show({ to: "#m", display: "grid" })
      .hide()
      .toggle({ to: ".x" })
      .addClass("a  b", { to: "#m" })
      .removeClass(["c", "d"])
      .toggleClass(" e ")
      .setAttribute("aria-expanded", "true", { to: "#m" })
      .removeAttribute("hidden")
      .focus({ to: "#q" })
      .push("save", { value: { id: "7" }, target: 2 })
      .push("ping");
    expect(json(js)).toEqual([
      ["show", { to: "#m", display: "grid" }],
      ["hide", {}],
      ["toggle", { to: ".x" }],
      ["add_class", { to: "#m", names: ["a", "b"] }],
      ["remove_class", { names: ["c", "d"] }],
      ["toggle_class", { names: ["e"] }],
      ["set_attr", { to: "#m", attr: ["aria-expanded", "true"] }],
      ["remove_attr", { attr: ["hidden", ""] }],
      ["focus", { to: "#q" }],
      ["push", { event: "save", value: { id: "7" }, target: 2 }],
      ["push", { event: "ping" }],
    ]);
  });

  test("ops holds the same commands as the JSON", () => {
    const js = JS.hide({ to: "#a" }).push("x");
    expect(js.ops).toEqual(json(js));
  });
});

describe("in a template attribute", () => {
  const tricky = `it's "quoted" <b>&amp;</b>`;
  const js = JS.setAttribute("title", tricky, { to: "#out" }).push("save", { value: { note: tricky } });

  test("is escaped once, as any attribute value", () => {
    const out = render(build(html`<button phx-click=${js}>Go</button>`));
    expect(out).toBe(`<button phx-click="${js.toString().replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("'", "&#39;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")}">Go</button>`);
    expect(out).not.toContain(`"quoted"`);
  });

  /** Puts `markup` in the document and runs the button's phx-click like the client does. */
  function click(markup: string) {
    document.body.innerHTML = `${markup}<p id="out"></p>`;
    const button = document.querySelector("button")!;
    const attr = button.getAttribute("phx-click");
    expect(attr).toBe(js.toString());
    expect(isCommands(attr)).toBe(true);
    const pushed: unknown[] = [];
    exec(attr!, button, (event, value) => pushed.push([event, value]));
    expect(document.getElementById("out")!.getAttribute("title")).toBe(tricky);
    expect(pushed).toEqual([["save", { note: tricky }]]);
  }

  test("is read back by the browser as the JSON and run by the client", () => {
    click(render(build(html`<button phx-click=${js}>Go</button>`)));
  });

  test("works quoted, in a spread, and after a diff and merge (the live path)", () => {
    click(render(build(html`<button phx-click="${js}">Go</button>`)));
    click(render(build(html`<button ...${{ "phx-click": js }}>Go</button>`)));
    const tree = createTree();
    merge(tree, diff(null, build(html`<button phx-click=${js}>Go</button>`), new DiffContext())!);
    click(toHTML(tree));
  });
});
