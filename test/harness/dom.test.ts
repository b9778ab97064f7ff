// The harness's DOM (src/testing/dom.ts): HTML parsed as a browser would, real CSS selectors, text
// filters, serialisation back to HTML, and the bindings read the way the client reads them.

import { describe, expect, test } from "vitest";
import { closest, formFields, html, one, parse, phxValues, select, targetOf, text } from "../../src/testing/dom.ts";

const doc = parse(`
  <main phx-target="3">
    <ul><li class="a">Air &amp; <b>Boot</b></li><li class="b" data-x="1">Clog</li><li class="b">Derby</li></ul>
    <button phx-click="go" phx-value-id="7" phx-value-size="44" class="go">Go</button>
    <p>a&lt;b &quot;q&quot; — ü</p>
  </main>
  <div phx-target="#elsewhere"><span id="s">x</span></div>`);

describe("select and one", () => {
  test("real CSS: classes, attributes, combinators, pseudo-classes", () => {
    expect(select(doc, "li.b").map(text)).toEqual(["Clog", "Derby"]);
    expect(select(doc, "li[data-x]").map(text)).toEqual(["Clog"]);
    expect(select(doc, "ul > li:first-child b").map(text)).toEqual(["Boot"]);
    expect(select(doc, "li:not(.a)")).toHaveLength(2);
  });

  test("a text filter keeps elements whose text contains the string, or matches the RegExp", () => {
    expect(select(doc, "li", "Boot").map(text)).toEqual(["Air & Boot"]);
    expect(select(doc, "li", /^[CD]/).map(text)).toEqual(["Clog", "Derby"]);
    expect(one(doc, "li", "Derby").attribs.class).toBe("b");
  });

  test("one() insists on exactly one; bad CSS is SB_ERR_TEST_SELECTOR", () => {
    expect(() => one(doc, "li.b")).toThrow(expect.objectContaining({ code: "SB_ERR_TEST_ELEMENT", message: expect.stringContaining("li.b; found 2") }));
    expect(() => one(doc, "li", "Nothing")).toThrow(expect.objectContaining({ message: expect.stringContaining("li with text Nothing; found 0") }));
    expect(() => select(doc, "li[")).toThrow(expect.objectContaining({ code: "SB_ERR_TEST_SELECTOR" }));
    expect(() => select(doc, "li[")).toThrow(expect.objectContaining({ code: "SB_ERR_TEST_SELECTOR" })); // also when asked again
  });
});

describe("reading elements", () => {
  test("html() serialises an element (or its content) as HTML, escaping what must be", () => {
    expect(html(one(doc, "li.a"))).toBe(`<li class="a">Air &amp; <b>Boot</b></li>`);
    expect(html(one(doc, "p"), true)).toBe(`a&lt;b "q" — ü`);
    expect(text(one(doc, "p"))).toBe(`a<b "q" — ü`);
  });

  test("phx-value-* attributes become the event's values; phx-target is found on an ancestor, as a component id", () => {
    const button = one(doc, "button");
    expect(phxValues(button)).toEqual({ id: "7", size: "44" });
    expect(targetOf(button)).toBe(3);
    expect(closest(button, "phx-target")?.name).toBe("main");
    // A CSS-selector target is not a component id.
    expect(targetOf(one(doc, "#s"))).toBeUndefined();
  });

  test("formFields() lists a form's named fields with the values a browser would submit", () => {
    const form = one(parse(`<form><input name="a" value="1"><input name="b" type="checkbox"><input type="radio" name="c" value="x" checked><textarea name="d">t</textarea><select name="e"><option value="v1">1</option><option selected>2</option></select><input value="unnamed"></form>`), "form");
    expect(formFields(form)).toEqual([
      { name: "a", type: "text", values: ["1"] },
      { name: "b", type: "checkbox", values: [] },
      { name: "c", type: "radio", values: ["x"] },
      { name: "d", type: "textarea", values: ["t"] },
      { name: "e", type: "select", values: ["2"] },
    ]);
  });
});
