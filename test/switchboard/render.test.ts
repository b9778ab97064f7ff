// render(): the full HTML of a rendered tree, for every kind of slot and value.

import { describe, expect, test } from "vitest";
import { build, html, memo, render, type TemplateResult } from "../../src/switchboard/index.ts";

const show = (result: TemplateResult) => render(build(result));
const code = (c: string) => expect.objectContaining({ code: c, message: expect.stringMatching(new RegExp(`^${c}: `)) });

describe("text children", () => {
  test("a string", () => {
    expect(show(html`<p>Hello, ${"Ada"}!</p>`)).toBe("<p>Hello, Ada!</p>");
  });

  test("numbers, including 0 and negatives", () => {
    expect(show(html`<p>${42} ${0} ${-1.5}</p>`)).toBe("<p>42 0 -1.5</p>");
  });

  test("a bigint", () => {
    expect(show(html`<p>${10n ** 20n}</p>`)).toBe("<p>100000000000000000000</p>");
  });

  test("null, undefined, false and true render nothing", () => {
    expect(show(html`<p>[${null}|${undefined}|${false}|${true}]</p>`)).toBe("<p>[|||]</p>");
  });

  test("the empty string renders nothing", () => {
    expect(show(html`<p>${""}</p>`)).toBe("<p></p>");
  });

  test("a value as the whole template", () => {
    expect(show(html`${"just text"}`)).toBe("just text");
  });

  test("text around values at the root", () => {
    expect(show(html`a ${1} b`)).toBe("a 1 b");
  });
});

describe("whole attribute values", () => {
  test("a string", () => {
    expect(show(html`<a href=${"/cart"}>x</a>`)).toBe('<a href="/cart">x</a>');
  });

  test("a number, including 0", () => {
    expect(show(html`<input value=${7} tabindex=${0}>`)).toBe('<input value="7" tabindex="0">');
  });

  test("true renders the bare attribute", () => {
    expect(show(html`<a href=${true}>x</a>`)).toBe("<a href>x</a>");
  });

  test("false, null and undefined omit the attribute", () => {
    expect(show(html`<a href=${false} title=${null} id=${undefined}>x</a>`)).toBe("<a>x</a>");
  });

  test("the empty string keeps the attribute with an empty value", () => {
    expect(show(html`<option value=${""}>none</option>`)).toBe('<option value="">none</option>');
  });

  test("between static attributes, in order", () => {
    expect(show(html`<a class="btn" href=${"/x"} role="button">x</a>`)).toBe('<a class="btn" href="/x" role="button">x</a>');
  });
});

describe("attribute values mixed with static text", () => {
  test("a string and a number between static text", () => {
    expect(show(html`<a class="a ${"b"} c-${2}">x</a>`)).toBe('<a class="a b c-2">x</a>');
  });

  test("null, undefined, false and true leave the text around them", () => {
    expect(show(html`<a class="a ${null}${undefined} ${false}|${true} c">x</a>`)).toBe('<a class="a  | c">x</a>');
  });

  test("two values with nothing between them", () => {
    expect(show(html`<a title="${"x"}${"y"}">t</a>`)).toBe('<a title="xy">t</a>');
  });
});

describe("boolean attributes", () => {
  test("a static bare attribute stays bare", () => {
    expect(show(html`<input disabled>`)).toBe("<input disabled>");
  });

  test("a value of true renders it, false omits it", () => {
    const button = (off: boolean) => html`<button disabled=${off}>Buy</button>`;
    expect(show(button(true))).toBe("<button disabled>Buy</button>");
    expect(show(button(false))).toBe("<button>Buy</button>");
  });
});

describe("spread attributes", () => {
  test("renders each entry as an attribute, with boolean rules", () => {
    expect(show(html`<input ...${{ type: "checkbox", checked: true, disabled: false, title: null, value: 0 }}>`)).toBe(
      '<input type="checkbox" checked value="0">',
    );
  });

  test("a spread wins over the attributes before it", () => {
    expect(show(html`<a class="static" href=${"/a"} ...${{ class: "spread", href: "/b" }}>x</a>`)).toBe(
      '<a class="spread" href="/b">x</a>',
    );
  });

  test("attributes after a spread win over it", () => {
    expect(show(html`<a ...${{ class: "spread", href: "/b", id: "i" }} class="static" href=${"/a"}>x</a>`)).toBe(
      '<a class="static" href="/a" id="i">x</a>',
    );
  });

  test("a later spread wins over an earlier one", () => {
    expect(show(html`<a ...${{ id: "one", title: "t" }} ...${{ id: "two" }}>x</a>`)).toBe('<a id="two" title="t">x</a>');
  });

  test("a later false removes an attribute set earlier", () => {
    expect(show(html`<button disabled ...${{ disabled: false }}>x</button>`)).toBe("<button>x</button>");
  });

  test("the spread object's key is not rendered", () => {
    expect(show(html`<li ...${{ key: 7, id: "x" }}>x</li>`)).toBe('<li id="x">x</li>');
  });

  test("null and undefined spread nothing", () => {
    expect(show(html`<a id="x" ...${null} ...${undefined}>t</a>`)).toBe('<a id="x">t</a>');
  });

  test("static text beside a spread is rendered as written, not escaped again", () => {
    expect(show(html`<a ...${{ id: "x" }} title="Tom &amp; Jerry" class="a&b ${"c"}">t</a>`)).toBe(
      '<a id="x" title="Tom &amp; Jerry" class="a&b c">t</a>',
    );
  });

  test("renders exactly like the same attributes written out", () => {
    const written = show(html`<a id="x" title="Tom &amp; Jerry" class="a&b ${"c"}" hidden>t</a>`);
    const spread = show(html`<a ...${{}} id="x" title="Tom &amp; Jerry" class="a&b ${"c"}" hidden>t</a>`);
    expect(spread).toBe(written);
  });
});

describe("nested templates and lists", () => {
  test("a nested template", () => {
    const inner = html`<b>${"bold"}</b>`;
    expect(show(html`<p>a ${inner} c</p>`)).toBe("<p>a <b>bold</b> c</p>");
  });

  test("a template chosen by a condition", () => {
    const view = (on: boolean) => html`<p>${on ? html`<b>on</b>` : html`<i>off</i>`}</p>`;
    expect(show(view(true))).toBe("<p><b>on</b></p>");
    expect(show(view(false))).toBe("<p><i>off</i></p>");
  });

  test("an array of templates", () => {
    const names = ["Ada", "Bo"];
    expect(show(html`<ul>${names.map((n) => html`<li>${n}</li>`)}</ul>`)).toBe("<ul><li>Ada</li><li>Bo</li></ul>");
  });

  test("an array of strings and numbers", () => {
    expect(show(html`<p>${["a", 1, "b", 0]}</p>`)).toBe("<p>a1b0</p>");
  });

  test("nested arrays are flattened in order", () => {
    expect(show(html`<p>${[1, [2, [3, html`<i>4</i>`]], 5]}</p>`)).toBe("<p>123<i>4</i>5</p>");
  });

  test("null, undefined, booleans and empty strings in an array render nothing", () => {
    expect(show(html`<p>${[null, "a", undefined, false, true, "", "b"]}</p>`)).toBe("<p>ab</p>");
  });

  test("an empty array renders nothing", () => {
    expect(show(html`<ul>${[]}</ul>`)).toBe("<ul></ul>");
  });

  test("a keyed list does not render its keys", () => {
    const rows = [1, 2].map((id) => html`<li key=${id} data-id=${id}>${id}</li>`);
    expect(show(html`<ul>${rows}</ul>`)).toBe('<ul><li data-id="1">1</li><li data-id="2">2</li></ul>');
  });
});

describe("void and self-closing elements", () => {
  test("void elements render without a closing tag", () => {
    expect(show(html`<p>a<br>b<img src=${"/a.png"} alt="" /><input name="q"></p>`)).toBe(
      '<p>a<br>b<img src="/a.png" alt=""><input name="q"></p>',
    );
  });

  test("a self-closed non-void element renders with a closing tag", () => {
    expect(show(html`<div><div class=${"x"} /><span /></div>`)).toBe('<div><div class="x"></div><span></span></div>');
  });
});

describe("the key attribute", () => {
  test("is not rendered on the root element", () => {
    expect(show(html`<li key=${"k"} class="x">y</li>`)).toBe('<li class="x">y</li>');
    expect(show(html`<li key="k">y</li>`)).toBe("<li>y</li>");
  });
});

describe("shared (memoised) subtrees", () => {
  test("cache their HTML on the node; per-session nodes keep none", () => {
    const Badge = memo((label: string) => html`<em>${label}</em>`);
    const page = build(html`<p>${Badge("new")}</p>`);
    const badge = page.d[0] as ReturnType<typeof build>;
    expect(render(page)).toBe("<p><em>new</em></p>");
    expect(badge.html).toBe("<em>new</em>");
    expect(page.html).toBeUndefined();
  });
});

describe("values that cannot be rendered", () => {
  const values: [string, unknown][] = [
    ["a plain object", { name: "x" }],
    ["an object of a class", new Date(0)],
    ["a function", () => "x"],
    ["a symbol", Symbol("s")],
  ];

  test.each(values)("%s in a child slot throws SB_ERR_SLOT_VALUE", (_, value) => {
    expect(() => show(html`<p>${value}</p>`)).toThrow(code("SB_ERR_SLOT_VALUE"));
  });

  test.each(values)("%s in a whole attribute value throws SB_ERR_SLOT_VALUE", (_, value) => {
    expect(() => show(html`<a title=${value}>x</a>`)).toThrow(code("SB_ERR_SLOT_VALUE"));
  });

  test.each(values)("%s in a mixed attribute value throws SB_ERR_SLOT_VALUE", (_, value) => {
    expect(() => show(html`<a class="a ${value}">x</a>`)).toThrow(code("SB_ERR_SLOT_VALUE"));
  });

  test.each(values)("%s as a spread attribute value throws SB_ERR_SLOT_VALUE", (_, value) => {
    expect(() => show(html`<a ...${{ title: value }}>x</a>`)).toThrow(code("SB_ERR_SLOT_VALUE"));
  });

  test.each(values)("%s as a list entry throws SB_ERR_SLOT_VALUE", (_, value) => {
    expect(() => show(html`<p>${["a", value]}</p>`)).toThrow(code("SB_ERR_SLOT_VALUE"));
  });

  test("an object is never rendered as [object Object]", () => {
    expect(() => show(html`<p>${{}}</p>`)).toThrow(
      'SB_ERR_SLOT_VALUE: Template starting "<p>${…}</p>" received a plain object in a child position; expected a string',
    );
  });

  test("the error names where the value was found", () => {
    expect(() => show(html`<a title=${[]}>x</a>`)).toThrow("received an array in the attribute title;");
    expect(() => show(html`<p>${[[{}]]}</p>`)).toThrow("received a plain object in an entry of a list in a child position;");
  });

  test.each([
    ["a string", "id=x"],
    ["a number", 1],
    ["true", true],
    ["an array", [["id", "x"]]],
  ])("spreading %s throws SB_ERR_SPREAD_VALUE", (_, value) => {
    expect(() => show(html`<a ...${value}>x</a>`)).toThrow(code("SB_ERR_SPREAD_VALUE"));
  });

  test.each(["a b", 'a"b', "a=b", "a>b", "a/b", ""])("spreading the attribute name %j throws SB_ERR_ATTR_NAME", (name) => {
    expect(() => show(html`<a ...${{ [name]: "v" }}>x</a>`)).toThrow(code("SB_ERR_ATTR_NAME"));
  });

  test("spreading names with letters, digits, -, _, : and . is fine", () => {
    expect(show(html`<a ...${{ "data-x_1": 1, "xlink:href": "#a", "@click.once": "go" }}>x</a>`)).toBe(
      '<a data-x_1="1" xlink:href="#a" @click.once="go">x</a>',
    );
  });
});
