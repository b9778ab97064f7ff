// html``: each call site is compiled once, through htm, into interned statics and dynamic slots.

import { describe, expect, test } from "vitest";
import { html, staticsFor, TEXT_ENTRY, Template, TemplateResult } from "../../src/switchboard/template.ts";

const code = (c: string) => expect.objectContaining({ code: c, message: expect.stringMatching(new RegExp(`^${c}: `)) });
const compiled = (result: TemplateResult) => ({ parts: result.template.statics.parts, slots: result.template.slots });

describe("compiling once per call site", () => {
  test("returns the same Template for every call of one call site", () => {
    const line = (x: unknown) => html`<p>${x}</p>`;
    const a = line("a");
    const b = line("b");
    expect(a).toBeInstanceOf(TemplateResult);
    expect(a.template).toBeInstanceOf(Template);
    expect(b.template).toBe(a.template);
    expect(a.values).toEqual(["a"]);
    expect(b.values).toEqual(["b"]);
  });

  test("keys the cache on the strings array itself", () => {
    const tag = (s: TemplateStringsArray, ..._values: unknown[]) => s;
    const site = () => tag`<b>${0}</b>`;
    const strings = site();
    expect(site()).toBe(strings);
    expect(html(strings, 1).template).toBe(html(strings, 2).template);
  });

  test("gives two call sites with identical markup different Templates but the same statics id", () => {
    const one = html`<p class="x">${1}</p>`;
    const two = html`<p class="x">${2}</p>`;
    expect(two.template).not.toBe(one.template);
    expect(two.template.statics).toBe(one.template.statics);
    expect(two.template.statics.id).toBe(one.template.statics.id);
    expect(staticsFor(one.template.statics.id)).toBe(one.template.statics);
  });

  test("gives different markup a different statics id", () => {
    const one = html`<p class="x">${1}</p>`;
    const two = html`<p class="y">${1}</p>`;
    expect(two.template.statics.id).not.toBe(one.template.statics.id);
  });

  test("freezes interned statics", () => {
    const { statics } = html`<i>${1}</i>`.template;
    expect(Object.isFrozen(statics)).toBe(true);
    expect(Object.isFrozen(statics.parts)).toBe(true);
  });

  test("does not cache a template that failed to compile: every call throws again", () => {
    const bad = () => html`<div></span>`;
    expect(bad).toThrow(code("SB_ERR_TEMPLATE_SYNTAX"));
    expect(bad).toThrow(code("SB_ERR_TEMPLATE_SYNTAX"));
  });

  test("bare text entries of lists share one template of a single slot", () => {
    expect(TEXT_ENTRY.statics.parts).toEqual(["", ""]);
    expect(TEXT_ENTRY.slots).toEqual([{ kind: "child", value: 0 }]);
  });
});

describe("statics and slots", () => {
  test("static markup without values is one static chunk", () => {
    expect(compiled(html`<p class="a" hidden>text</p>`)).toEqual({ parts: ['<p class="a" hidden>text</p>'], slots: [] });
  });

  test("a child value is a child slot between two chunks", () => {
    expect(compiled(html`<p>a ${1} b</p>`)).toEqual({ parts: ["<p>a ", " b</p>"], slots: [{ kind: "child", value: 0 }] });
  });

  test("a whole attribute value is an attr slot holding the name and its leading space", () => {
    expect(compiled(html`<a href=${1}>x</a>`)).toEqual({
      parts: ["<a", ">x</a>"],
      slots: [{ kind: "attr", name: "href", value: 0 }],
    });
  });

  test("a quoted attribute holding only a value is a whole attribute value too", () => {
    expect(compiled(html`<a href="${1}">x</a>`).slots).toEqual([{ kind: "attr", name: "href", value: 0 }]);
  });

  test("an attribute value mixed with static text keeps the text in the statics", () => {
    expect(compiled(html`<a class="a ${1} c ${2}">x</a>`)).toEqual({
      parts: ['<a class="a ', " c ", '">x</a>'],
      slots: [
        { kind: "attr-part", value: 0 },
        { kind: "attr-part", value: 1 },
      ],
    });
  });

  test("escapes double quotes of a static attribute value written in single quotes", () => {
    expect(compiled(html`<a title='say "hi"'>x</a>`).parts).toEqual(['<a title="say &quot;hi&quot;">x</a>']);
  });

  test("an element with a spread makes its whole attribute list one slot", () => {
    expect(compiled(html`<a id="x" ...${1} class=${2}>t</a>`)).toEqual({
      parts: ["<a", ">t</a>"],
      slots: [
        {
          kind: "attrs",
          props: [
            { kind: "static", name: "id", value: "x" },
            { kind: "spread", value: 0 },
            { kind: "value", name: "class", value: 1 },
          ],
        },
      ],
    });
  });

  test("a component tag is one slot with its props and children", () => {
    const C = () => null;
    const result = html`<${C} a="1" b=${2} c="x${3}" ...${4} flag>kid ${5}<//>`;
    expect(result.template.statics.parts).toEqual(["", ""]);
    const [slot] = result.template.slots;
    expect(slot).toMatchObject({
      kind: "component",
      tag: 0,
      props: [
        { kind: "static", name: "a", value: "1" },
        { kind: "value", name: "b", value: 1 },
        { kind: "mixed", name: "c", parts: ["x", 2] },
        { kind: "spread", value: 3 },
        { kind: "static", name: "flag", value: true },
      ],
    });
    const children = (slot as Extract<typeof slot, { kind: "component" }>).children!;
    expect(children.statics.parts).toEqual(["kid ", ""]);
    expect(children.slots).toEqual([{ kind: "child", value: 4 }]);
  });

  test("trims whitespace-only lines between tags, as htm does", () => {
    const result = html`
      <ul>
        <li>${1}</li>
      </ul>
    `;
    expect(result.template.statics.parts).toEqual(["<ul><li>", "</li></ul>"]);
  });

  test("keeps several roots side by side", () => {
    expect(compiled(html`<a>${1}</a><b>${2}</b>`).parts).toEqual(["<a>", "</a><b>", "</b>"]);
  });
});

describe("void and self-closing elements", () => {
  test("a void element written without a slash has no closing tag", () => {
    expect(compiled(html`<p>a<br>b</p>`).parts).toEqual(["<p>a<br>b</p>"]);
    expect(compiled(html`<input type="text" value=${1}>`)).toEqual({
      parts: ['<input type="text"', ">"],
      slots: [{ kind: "attr", name: "value", value: 0 }],
    });
  });

  test("a self-closed void element has no closing tag", () => {
    expect(compiled(html`<img src="a.png" alt=${1} />`).parts).toEqual(['<img src="a.png"', ">"]);
  });

  test("a self-closed non-void element gets its closing tag", () => {
    expect(compiled(html`<div class="x" />`).parts).toEqual(['<div class="x"></div>']);
  });

  test("a void element with children throws SB_ERR_TEMPLATE_VOID_CHILDREN", () => {
    expect(() => html`<br>text</br>`).toThrow(code("SB_ERR_TEMPLATE_VOID_CHILDREN"));
    expect(() => html`<img src="a.png">${1}</img>`).toThrow(code("SB_ERR_TEMPLATE_VOID_CHILDREN"));
  });
});

describe("keys", () => {
  test("a key value on the root element is taken aside, not rendered", () => {
    const { template } = html`<li key=${1} class=${2}>${3}</li>`;
    expect(template.statics.parts).toEqual(["<li", ">", "</li>"]);
    expect(template.keyValue).toBe(0);
    expect(template.keyStatic).toBeUndefined();
  });

  test("a literal key on the root element is kept as text", () => {
    const { template } = html`<li key="intro">x</li>`;
    expect(template.statics.parts).toEqual(["<li>x</li>"]);
    expect(template.keyValue).toBe(-1);
    expect(template.keyStatic).toBe("intro");
  });

  test("a key on a root component tag keys the template", () => {
    const C = () => null;
    const { template } = html`<${C} key=${1} a=${2} />`;
    expect(template.keyValue).toBe(1);
    expect(template.slots[0]).toMatchObject({ kind: "component", props: [{ kind: "value", name: "a", value: 2 }] });
  });

  test("a key mixing text and values throws SB_ERR_TEMPLATE_SYNTAX", () => {
    expect(() => html`<li key="a${1}">x</li>`).toThrow(code("SB_ERR_TEMPLATE_SYNTAX"));
  });
});

describe("bad markup", () => {
  test.each([
    ["mismatched tags", () => html`<div></span>`, "<div></span>"],
    ["an unclosed tag", () => html`<div><p>${1}</p>`, "<div><p>${…}</p>"],
    ["a stray < in text", () => html`<p>a < b</p>`, "<p>a < b</p>"],
    ["an unterminated tag", () => html`<p>x</p><a href=${1}`, "<p>x</p><a href=${…}"],
    ["an unclosed quote", () => html`<a class="x>y</a>`, '<a class="x>y</a>'],
    ["an unclosed comment", () => html`<p><!-- x</p>`, "<p><!-- x</p>"],
  ])("%s throws SB_ERR_TEMPLATE_SYNTAX with the template's first line", (_, make, first) => {
    expect(make).toThrow(code("SB_ERR_TEMPLATE_SYNTAX"));
    expect(make).toThrow(`Template starting "${first}" is not valid markup`);
  });

  test("the first line of a multi-line template names it", () => {
    expect(
      () => html`
        <section class="cart">
          <p>${1}</span>
        </section>`,
    ).toThrow('SB_ERR_TEMPLATE_SYNTAX: Template starting "<section class="cart">" is not valid markup: </span> on line 3');
  });

  test("an invalid static attribute name throws SB_ERR_ATTR_NAME", () => {
    expect(() => html`<a x\u0007y="1">t</a>`).toThrow(code("SB_ERR_ATTR_NAME"));
  });

  test("a value inside an attribute name throws SB_ERR_ATTR_NAME", () => {
    expect(() => html`<a data-${1}="1">t</a>`).toThrow(code("SB_ERR_ATTR_NAME"));
  });
});
