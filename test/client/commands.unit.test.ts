// @vitest-environment happy-dom
// Client-side commands: exec() runs the JSON the server's JS builder writes into a binding (show,
// hide, toggle, classes, attributes, focus on the source or on `to` targets; push handed to the
// caller), and reapply() carries what they did onto the element that replaces it in a patch.

import { beforeEach, describe, expect, test, vi } from "vitest";
import { exec, isCommands, reapply } from "../../client/commands.ts";
import { JS } from "../../src/switchboard/js.ts";

const $ = (selector: string) => document.querySelector(selector) as HTMLElement;
const noPush = () => {
  throw new Error("no push expected");
};
const run = (js: JS, source: Element = $("#source")) => exec(js.toString(), source, noPush);

beforeEach(() => {
  document.body.innerHTML = `
    <button id="source" class="btn">Go</button>
    <div id="menu" class="menu">Menu</div>
    <div id="hidden" style="display: none">Hidden</div>
    <p class="item">1</p><p class="item">2</p>
    <input id="field">`;
});

describe("isCommands", () => {
  test("is true for a command list and false for an event name or nothing", () => {
    expect(isCommands(JS.show().toString())).toBe(true);
    expect(isCommands(new JS().toString())).toBe(true);
    expect(isCommands("inc")).toBe(false);
    expect(isCommands("")).toBe(false);
    expect(isCommands(null)).toBe(false);
  });

  test("an empty command list runs and does nothing", () => {
    exec(new JS().toString(), $("#source"), noPush);
    expect($("#source").outerHTML).toBe(`<button id="source" class="btn">Go</button>`);
  });
});

describe("show, hide and toggle", () => {
  test("hide sets display none on the source element when no `to` is given", () => {
    run(JS.hide());
    expect($("#source").style.display).toBe("none");
    expect($("#menu").style.display).toBe("");
  });

  test("show sets display block, or the display asked for", () => {
    run(JS.show({ to: "#hidden" }));
    expect($("#hidden").style.display).toBe("block");
    run(JS.show({ to: "#hidden", display: "flex" }));
    expect($("#hidden").style.display).toBe("flex");
  });

  test("toggle hides a visible element and shows a hidden one, with its display", () => {
    run(JS.toggle({ to: "#menu" }));
    expect($("#menu").style.display).toBe("none");
    run(JS.toggle({ to: "#menu", display: "grid" }));
    expect($("#menu").style.display).toBe("grid");
    run(JS.toggle({ to: "#hidden" }));
    expect($("#hidden").style.display).toBe("block");
  });

  test("toggle sees an element hidden by a stylesheet as hidden", () => {
    document.head.innerHTML = `<style>.closed { display: none }</style>`;
    $("#menu").classList.add("closed");
    run(JS.toggle({ to: "#menu" }));
    expect($("#menu").style.display).toBe("block");
    document.head.innerHTML = "";
  });

  test("a `to` selector reaches every matching element, each toggled on its own", () => {
    $(".item").style.display = "none";
    run(JS.toggle({ to: ".item" }));
    expect(Array.from(document.querySelectorAll<HTMLElement>(".item")).map((p) => p.style.display)).toEqual(["block", "none"]);
  });

  test("a `to` selector that matches nothing does nothing", () => {
    run(JS.hide({ to: "#nowhere" }));
    expect($("#source").style.display).toBe("");
  });
});

describe("classes and attributes", () => {
  test("addClass and removeClass change the class list of the targets", () => {
    run(JS.addClass("open wide", { to: "#menu" }).removeClass("menu", { to: "#menu" }));
    expect($("#menu").className).toBe("open wide");
    run(JS.addClass(["a", "b"]));
    expect($("#source").className).toBe("btn a b");
  });

  test("toggleClass adds a missing class and removes a present one", () => {
    run(JS.toggleClass("menu open", { to: "#menu" }));
    expect($("#menu").className).toBe("open");
    run(JS.toggleClass("open", { to: "#menu" }));
    expect($("#menu").className).toBe("");
  });

  test("setAttribute and removeAttribute", () => {
    run(JS.setAttribute("aria-expanded", "true", { to: "#menu" }).setAttribute("data-x", `a "quoted" <value>`));
    expect($("#menu").getAttribute("aria-expanded")).toBe("true");
    expect($("#source").getAttribute("data-x")).toBe(`a "quoted" <value>`);
    run(JS.removeAttribute("aria-expanded", { to: "#menu" }).removeAttribute("class"));
    expect($("#menu").hasAttribute("aria-expanded")).toBe(false);
    expect($("#source").hasAttribute("class")).toBe(false);
  });

  test("focus focuses the target", () => {
    run(JS.focus({ to: "#field" }));
    expect(document.activeElement).toBe($("#field"));
  });
});

describe("push", () => {
  test("is handed to the callback with its event, value and target, in order with the other commands", () => {
    const calls: unknown[] = [];
    const js = JS.hide({ to: "#menu" }).push("opened", { value: { id: "7" }, target: 3 }).push("plain");
    exec(js.toString(), $("#source"), (event, value, target) => calls.push([event, value, target, $("#menu").style.display]));
    expect(calls).toEqual([
      ["opened", { id: "7" }, 3, "none"],
      ["plain", undefined, undefined, "none"],
    ]);
  });

  test("does not touch the DOM", () => {
    const push = vi.fn();
    exec(JS.push("x").toString(), $("#source"), push);
    expect(push).toHaveBeenCalledOnce();
    expect($("#source").outerHTML).toBe(`<button id="source" class="btn">Go</button>`);
  });
});

describe("reapply (what survives a patch)", () => {
  /** A fresh copy of `el` as the server would render it again, before its commands ran. */
  const rerendered = (html: string) => {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild!;
  };

  test("carries display, added and removed classes and attributes onto the replacement", () => {
    run(JS.hide().addClass("active").removeClass("btn").setAttribute("aria-pressed", "true").removeAttribute("title"));
    const next = rerendered(`<button id="source" class="btn fresh" title="t">Go again</button>`);
    reapply($("#source"), next);
    expect(next.outerHTML).toBe(`<button id="source" class="fresh active" style="display: none;" aria-pressed="true">Go again</button>`);
  });

  test("keeps the last state: shown after hidden, a class toggled back off", () => {
    run(JS.hide({ to: "#menu" }).addClass("open", { to: "#menu" }));
    run(JS.show({ to: "#menu", display: "flex" }).toggleClass("open", { to: "#menu" }));
    const next = rerendered(`<div id="menu" class="menu open" style="display: none">Menu</div>`);
    reapply($("#menu"), next);
    expect((next as HTMLElement).style.display).toBe("flex");
    expect(next.className).toBe("menu");
  });

  test("leaves elements that no command touched alone", () => {
    const next = rerendered(`<div id="menu" class="changed"></div>`);
    reapply($("#menu"), next);
    expect(next.outerHTML).toBe(`<div id="menu" class="changed"></div>`);
  });

  test("focus leaves nothing sticky behind", () => {
    run(JS.focus({ to: "#field" }));
    const next = rerendered(`<input id="field" class="x">`);
    reapply($("#field"), next);
    expect(next.outerHTML).toBe(`<input id="field" class="x">`);
  });
});
