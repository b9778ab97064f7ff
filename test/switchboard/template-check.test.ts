// checkTemplate(): the structural markup check run once per call site before htm parses it.

import { describe, expect, test } from "vitest";
import { checkTemplate, firstLine } from "../../src/switchboard/template-check.ts";

/** The strings array of a tagged template, as html`` receives it. */
const strings = (s: TemplateStringsArray, ..._values: unknown[]) => s;
const code = (c: string, message?: string) =>
  expect.objectContaining({ code: c, message: message ?? expect.stringMatching(new RegExp(`^${c}: `)) });
const syntax = (first: string, detail: string) =>
  code(
    "SB_ERR_TEMPLATE_SYNTAX",
    `SB_ERR_TEMPLATE_SYNTAX: Template starting "${first}" is not valid markup: ${detail}. Check that every tag is closed in the order it was opened.`,
  );

describe("well-formed markup", () => {
  test("passes nested elements through as they are", () => {
    const s = strings`<div class="a"><p>${1}</p><span>${2}</span></div>`;
    expect(checkTemplate(s)).toBe(s);
  });

  test("accepts self-closing elements, including non-void ones", () => {
    expect(() => checkTemplate(strings`<div><div /><span/></div>`)).not.toThrow();
  });

  test("accepts component tags closed by name or by the <//> shorthand", () => {
    expect(() => checkTemplate(strings`<${0}>child</${0}>`)).not.toThrow();
    expect(() => checkTemplate(strings`<${0}>child<//>`)).not.toThrow();
    expect(() => checkTemplate(strings`<ul><${0} key=${1}>a<//><${0} /></ul>`)).not.toThrow();
  });

  test("matches tag names without regard to case", () => {
    expect(() => checkTemplate(strings`<DIV></div>`)).not.toThrow();
  });

  test("skips quoted attribute values that contain < and >", () => {
    expect(() => checkTemplate(strings`<a title="a < b > c" data-x='<p>'>x</a>`)).not.toThrow();
  });

  test("skips comments, even with markup inside", () => {
    expect(() => checkTemplate(strings`<div><!-- <p> unclosed < --></div>`)).not.toThrow();
  });

  test("accepts text without any tags", () => {
    expect(checkTemplate(strings`hello ${"x"} world`)).toEqual(["hello ", " world"]);
  });
});

describe("void elements", () => {
  test("are self-closed for htm when written without a slash", () => {
    expect(checkTemplate(strings`<p>a<br>b</p>`)).toEqual(["<p>a<br />b</p>"]);
    expect(checkTemplate(strings`<input value=${1}>`)).toEqual(["<input value=", " />"]);
    expect(checkTemplate(strings`<IMG src="a"><hr>`)).toEqual(['<IMG src="a" /><hr />']);
  });

  test("already self-closed ones are left alone", () => {
    expect(checkTemplate(strings`<img src=${1} />`)).toEqual(["<img src=", " />"]);
  });

  test("with children (a closing tag) throw SB_ERR_TEMPLATE_VOID_CHILDREN", () => {
    expect(() => checkTemplate(strings`<img src="a">child</img>`)).toThrow(
      code(
        "SB_ERR_TEMPLATE_VOID_CHILDREN",
        'SB_ERR_TEMPLATE_VOID_CHILDREN: Template starting "<img src="a">child</img>" gives children or a closing tag to the void element <img>, which can have neither. Write it as <img> or <img /> with nothing inside, or use another element.',
      ),
    );
    expect(() => checkTemplate(strings`<p><br></br></p>`)).toThrow(code("SB_ERR_TEMPLATE_VOID_CHILDREN"));
  });
});

describe("malformed markup throws SB_ERR_TEMPLATE_SYNTAX naming the template's first line", () => {
  test("a closing tag that does not match the open one", () => {
    expect(() => checkTemplate(strings`<div></span>`)).toThrow(
      syntax("<div></span>", "</span> on line 1 does not match <div> opened on line 1"),
    );
  });

  test("tags closed in the wrong order", () => {
    expect(() => checkTemplate(strings`<b><i>x</b></i>`)).toThrow(syntax("<b><i>x</b></i>", "</b> on line 1 does not match <i> opened on line 1"));
  });

  test("an element never closed", () => {
    expect(() => checkTemplate(strings`<section><p>${1}</p>`)).toThrow(
      syntax("<section><p>${…}</p>", "<section> opened on line 1 is never closed"),
    );
  });

  test("a closing tag that closes nothing", () => {
    expect(() => checkTemplate(strings`<p></p></div>`)).toThrow(syntax("<p></p></div>", "</div> on line 1 closes nothing"));
  });

  test("a stray < in text", () => {
    expect(() => checkTemplate(strings`<p>1 < 2</p>`)).toThrow(
      syntax("<p>1 < 2</p>", 'a "<" on line 1 does not start a tag; write &lt; for a literal "<"'),
    );
  });

  test("a tag not terminated before the next tag", () => {
    expect(() => checkTemplate(strings`<div class="a"<span></span></div>`)).toThrow(
      syntax('<div class="a"<span></span></div>', 'the tag <div> on line 1 is not terminated by ">"'),
    );
  });

  test("a tag not terminated before the end", () => {
    expect(() => checkTemplate(strings`<p>x</p><div id=${1}`)).toThrow(
      syntax("<p>x</p><div id=${…}", 'the tag <div> on line 1 is not terminated by ">"'),
    );
  });

  test("a closing tag not terminated", () => {
    expect(() => checkTemplate(strings`<p>x</p`)).toThrow(syntax("<p>x</p", 'the closing tag on line 1 is not terminated by ">"'));
  });

  test("an attribute quote never closed", () => {
    expect(() => checkTemplate(strings`<div class="a>text</div>`)).toThrow(
      syntax('<div class="a>text</div>', "a quoted attribute of <div> on line 1 is never closed"),
    );
  });

  test("a comment never closed", () => {
    expect(() => checkTemplate(strings`<div><!-- note</div>`)).toThrow(
      syntax("<div><!-- note</div>", "a comment opened on line 1 is never closed"),
    );
  });

  test("reports the line of the fault in a multi-line template, and its first non-blank line", () => {
    const s = strings`
      <ul>
        <li>${1}</li>
        <li>${2}</span>
      </ul>`;
    expect(() => checkTemplate(s)).toThrow(syntax("<ul>", "</span> on line 4 does not match <li> opened on line 4"));
  });
});

describe("firstLine", () => {
  test("is the first non-blank line, trimmed, with values shown as ${…}", () => {
    expect(firstLine(strings`

        <p class=${1}>${2}</p>
      <b></b>`)).toBe("<p class=${…}>${…}</p>");
  });

  test("is cut to 60 characters", () => {
    const line = firstLine(strings`<div class="a very long class list that goes on and on and on and on">`);
    expect(line).toBe('<div class="a very long class list that goes on and on an...');
    expect(line).toHaveLength(60);
  });
});
