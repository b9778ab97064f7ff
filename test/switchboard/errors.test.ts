// The error registry: every code is documented in docs/errors.md, and every error the engine throws
// on purpose has a message that starts with its code.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { describe as describeValue, errorCodes, sbError, SwitchboardError, type ErrorCode } from "../../src/switchboard/errors.ts";
import { build, createTree, html, memo, merge, toHTML } from "../../src/switchboard/index.ts";

const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
/** The text of each `## CODE` section of docs/errors.md. */
const sections = new Map(
  doc
    .split(/^## /m)
    .slice(1)
    .map((section) => {
      const [heading = "", ...body] = section.split("\n");
      return [heading.trim(), body.join("\n").trim()] as const;
    }),
);

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to throw");
}

describe("docs/errors.md", () => {
  test("has a section for every code", () => {
    const missing = errorCodes.filter((code) => !sections.has(code));
    expect(missing).toEqual([]);
  });

  test.each(errorCodes)("documents %s with some text", (code) => {
    expect(sections.get(code)?.length ?? 0).toBeGreaterThan(80);
  });

  test("documents no code that does not exist", () => {
    expect([...sections.keys()].filter((code) => !errorCodes.includes(code as ErrorCode))).toEqual([]);
  });
});

describe("the registry", () => {
  test("codes are unique and named SB_ERR_<AREA>_<WHAT>", () => {
    expect(new Set(errorCodes).size).toBe(errorCodes.length);
    for (const code of errorCodes) expect(code).toMatch(/^SB_ERR_[A-Z]+(_[A-Z]+)*$/);
  });

  test.each(errorCodes)("sbError(%s) builds a SwitchboardError whose message starts with the code", (code) => {
    const args = ["first", "second", "third"] as never[];
    const err = (sbError as (code: ErrorCode, ...args: never[]) => SwitchboardError)(code, ...args);
    expect(err).toBeInstanceOf(SwitchboardError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("SwitchboardError");
    expect(err.code).toBe(code);
    expect(err.message.startsWith(`${code}: `)).toBe(true);
    expect(err.message.length).toBeGreaterThan(code.length + 40);
  });

  test("describe() names a value briefly, never dumping its contents", () => {
    expect(describeValue(null)).toBe("null");
    expect(describeValue({ secret: "x".repeat(1000) })).toBe("a plain object");
    expect(describeValue(new Map())).toBe("an object of class Map");
    expect(describeValue([1, 2])).toBe("an array");
    expect(describeValue(function Card() {})).toBe("a function (Card)");
    expect(describeValue(Symbol("s"))).toBe("a symbol (Symbol(s))");
    expect(describeValue("div")).toBe('string "div"');
    expect(describeValue(undefined)).toBe("undefined undefined");
  });
});

describe("errors thrown by the engine", () => {
  const C = () => null;
  const triggers: [ErrorCode, () => unknown][] = [
    ["SB_ERR_TEMPLATE_SYNTAX", () => html`<div></span>`],
    ["SB_ERR_TEMPLATE_DYNAMIC_TAG", () => build(html`<${"div"} />`)],
    ["SB_ERR_TEMPLATE_VOID_CHILDREN", () => html`<br>x</br>`],
    ["SB_ERR_SLOT_VALUE", () => build(html`<p>${{}}</p>`)],
    ["SB_ERR_SPREAD_VALUE", () => build(html`<p ...${"x"}></p>`)],
    ["SB_ERR_ATTR_NAME", () => build(html`<p ...${{ "a b": 1 }}></p>`)],
    ["SB_ERR_COMPONENT_RESULT", () => build(html`<${() => ({})} />`)],
    ["SB_ERR_COMPONENT_RESULT", () => build(html`<p>${memo(() => new Date())()}</p>`)],
    ["SB_ERR_DUPLICATE_KEY", () => build(html`<ul>${[1, 1].map((k) => html`<li key=${k}></li>`)}</ul>`)],
    ["SB_ERR_SPREAD_VALUE", () => build(html`<${C} ...${5} />`)],
  ];

  test.each(triggers)("%s is a SwitchboardError whose message starts with its code", (code, run) => {
    const err = thrown(run) as SwitchboardError;
    expect(err).toBeInstanceOf(SwitchboardError);
    expect(err.code).toBe(code);
    expect(err.message.startsWith(`${code}: `)).toBe(true);
  });

  test("SB_ERR_MERGE_DIFF, raised by the client merge, is an Error whose message starts with its code", () => {
    for (const run of [() => merge(createTree(), null as never), () => toHTML({ ...createTree(), root: { s: 12345 } })]) {
      const err = thrown(run) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message.startsWith("SB_ERR_MERGE_DIFF: ")).toBe(true);
    }
  });

  test("messages say what was expected and what was received", () => {
    const err = thrown(() => build(html`<a title=${Symbol("x")}>x</a>`)) as Error;
    expect(err.message).toBe(
      'SB_ERR_SLOT_VALUE: Template starting "<a title=${…}>x</a>" received a symbol (Symbol(x)) in the attribute title; expected a string, a number, a boolean, null/undefined, raw(), an html template or an array of them. Convert the value to text (or a template) before rendering it.',
    );
  });
});
