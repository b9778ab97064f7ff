// escapeHTML and raw(): every dynamic value is escaped in text and attributes; raw() is the one opt-out.

import { describe, expect, test } from "vitest";
import { escapeHTML, raw, RawHTML } from "../../src/switchboard/escape.ts";
import { build, html, render } from "../../src/switchboard/index.ts";

const show = (result: ReturnType<typeof html>) => render(build(result));
const DANGER = `"'<>&`;

describe("escapeHTML", () => {
  test("escapes each of the five special characters", () => {
    expect(escapeHTML('"')).toBe("&quot;");
    expect(escapeHTML("'")).toBe("&#39;");
    expect(escapeHTML("<")).toBe("&lt;");
    expect(escapeHTML(">")).toBe("&gt;");
    expect(escapeHTML("&")).toBe("&amp;");
  });

  test("escapes every occurrence and leaves other text alone", () => {
    expect(escapeHTML(`a < b && c > "d" 'e'`)).toBe("a &lt; b &amp;&amp; c &gt; &quot;d&quot; &#39;e&#39;");
  });

  test("escapes an existing entity again rather than trusting it", () => {
    expect(escapeHTML("&amp;")).toBe("&amp;amp;");
  });

  test("returns text without special characters unchanged", () => {
    expect(escapeHTML("plain text, ünïcode ✓")).toBe("plain text, ünïcode ✓");
    expect(escapeHTML("")).toBe("");
  });
});

describe("escaping in templates", () => {
  test("a text slot escapes all five characters", () => {
    expect(show(html`<p>${DANGER}</p>`)).toBe("<p>&quot;&#39;&lt;&gt;&amp;</p>");
  });

  test("a whole attribute value escapes all five characters", () => {
    expect(show(html`<a title=${DANGER}>x</a>`)).toBe('<a title="&quot;&#39;&lt;&gt;&amp;">x</a>');
  });

  test("an attribute value mixed with static text escapes all five characters", () => {
    expect(show(html`<a class="a ${DANGER} b">x</a>`)).toBe('<a class="a &quot;&#39;&lt;&gt;&amp; b">x</a>');
  });

  test("a spread attribute value escapes all five characters", () => {
    expect(show(html`<a ...${{ title: DANGER }}>x</a>`)).toBe('<a title="&quot;&#39;&lt;&gt;&amp;">x</a>');
  });

  test("markup in a value cannot close the attribute or open a tag", () => {
    expect(show(html`<a href=${'" onclick="alert(1)'}>x</a>`)).toBe('<a href="&quot; onclick=&quot;alert(1)">x</a>');
    expect(show(html`<p>${"<script>alert(1)</script>"}</p>`)).toBe("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
  });

  test("entries of a list of strings are escaped", () => {
    expect(show(html`<p>${["<a>", "&"]}</p>`)).toBe("<p>&lt;a&gt;&amp;</p>");
  });
});

describe("raw", () => {
  test("wraps a string as trusted HTML", () => {
    const trusted = raw("<b>hi</b>");
    expect(trusted).toBeInstanceOf(RawHTML);
    expect(trusted.html).toBe("<b>hi</b>");
    expect(String(trusted)).toBe("<b>hi</b>");
  });

  test("renders unescaped in a text slot", () => {
    expect(show(html`<p>${raw("<b>&amp;</b>")}</p>`)).toBe("<p><b>&amp;</b></p>");
  });

  test("renders unescaped in attribute values", () => {
    expect(show(html`<a title=${raw("&amp;")}>x</a>`)).toBe('<a title="&amp;">x</a>');
    expect(show(html`<a class="a ${raw("&lt;")}">x</a>`)).toBe('<a class="a &lt;">x</a>');
  });

  test("renders unescaped as an entry of a list", () => {
    expect(show(html`<p>${[raw("<i>1</i>"), "<i>2</i>"]}</p>`)).toBe("<p><i>1</i>&lt;i&gt;2&lt;/i&gt;</p>");
  });

  test.each([
    ["a number", 1],
    ["null", null],
    ["undefined", undefined],
    ["an object", { html: "<b>" }],
  ])("throws TypeError when given %s", (_, value) => {
    expect(() => raw(value as never)).toThrow(TypeError);
    expect(() => raw(value as never)).toThrow(/^raw\(\) expects a string of trusted HTML/);
  });

  test("is the only opt-out: look-alike objects are refused, not rendered", () => {
    const lookAlike = { html: "<b>x</b>", toString: () => "<b>x</b>" };
    expect(() => show(html`<p>${lookAlike}</p>`)).toThrow(expect.objectContaining({ code: "SB_ERR_SLOT_VALUE" }));
    expect(() => show(html`<p>${new String("<b>")}</p>`)).toThrow(expect.objectContaining({ code: "SB_ERR_SLOT_VALUE" }));
  });
});
