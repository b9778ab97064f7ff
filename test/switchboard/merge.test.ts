// merge() and toHTML(): the client side of the wire format, shared by the browser and the harness.
// Every diff goes through JSON first, as on the wire, and must give exactly render() of the new tree.

import { describe, expect, test } from "vitest";
import { build, createTree, diff, DiffContext, html, merge, render, toHTML, type TemplateResult, type WireDiff } from "../../src/switchboard/index.ts";

const MERGE_ERROR = /^SB_ERR_MERGE_DIFF: /;
const wire = (d: WireDiff | null): WireDiff | null => (d === null ? null : JSON.parse(JSON.stringify(d)));

/** Renders each state in turn on one connection and checks the client tree after every diff. */
function replay(states: TemplateResult[]) {
  const ctx = new DiffContext();
  const tree = createTree();
  let prev: ReturnType<typeof build> | null = null;
  for (const state of states) {
    const next = build(state);
    const d = wire(diff(prev, next, ctx));
    if (d) expect(merge(tree, d)).toBe(tree);
    expect(toHTML(tree)).toBe(render(next));
    prev = next;
  }
  return tree;
}

interface Row {
  id: number;
  name: string;
}
const row = (r: Row) => html`<li key=${r.id} data-id=${r.id}>${r.name}</li>`;
const rowList = (title: string, rs: Row[]) => html`<section><h1>${title}</h1><ul>${rs.map(row)}</ul></section>`;
const rows = (...ids: number[]) => ids.map((id) => ({ id, name: `n${id}` }));
const renamed = (ids: number[], id: number, name: string) => rows(...ids).map((r) => (r.id === id ? { ...r, name } : r));

describe("applying diffs gives exactly the new render", () => {
  test("the first render", () => {
    replay([rowList("a", rows(1, 2))]);
  });

  test("an unchanged state (no diff) leaves the tree as it is", () => {
    replay([rowList("a", rows(1, 2)), rowList("a", rows(1, 2))]);
  });

  test("one text change", () => {
    replay([rowList("a", rows(1, 2)), rowList("b", rows(1, 2))]);
  });

  test("an attribute change, removal and return", () => {
    const link = (href: string | null, on: boolean) => html`<a href=${href} class="x ${on ? "on" : ""}" hidden=${!on}>go</a>`;
    replay([link("/a", true), link("/b", true), link(null, false), link("/a", true)]);
  });

  test("a nested template swap and back", () => {
    const view = (on: boolean) => html`<p>${on ? html`<b>${"on"}</b>` : html`<i title=${"t"}>${"off"}</i>`}</p>`;
    replay([view(true), view(false), view(true), view(false)]);
  });

  test("a root template swap", () => {
    replay([html`<p>${1}</p>`, html`<div>${2}</div>`]);
  });

  test.each([
    ["insert at the start", [1, 2, 3], [0, 1, 2, 3]],
    ["insert in the middle", [1, 2, 3], [1, 9, 2, 3]],
    ["insert at the end", [1, 2, 3], [1, 2, 3, 4]],
    ["delete at the start", [1, 2, 3], [2, 3]],
    ["delete in the middle", [1, 2, 3], [1, 3]],
    ["delete at the end", [1, 2, 3], [1, 2]],
    ["delete everything", [1, 2, 3], []],
    ["fill an empty list", [], [1, 2]],
    ["a move", [1, 2, 3, 4], [4, 1, 2, 3]],
    ["a reversal", [1, 2, 3, 4, 5], [5, 4, 3, 2, 1]],
    ["inserts, deletes and moves at once", [1, 2, 3, 4, 5], [6, 5, 2, 7, 1]],
  ])("a keyed list: %s", (_, from, to) => {
    replay([rowList("t", rows(...from)), rowList("t", rows(...to))]);
  });

  test("a keyed list: a move with a change", () => {
    replay([rowList("t", rows(1, 2, 3)), rowList("t", renamed([3, 1, 2], 3, "three"))]);
  });

  test("a keyed list: a change in place", () => {
    replay([rowList("t", rows(1, 2, 3)), rowList("t", renamed([1, 2, 3], 2, "two"))]);
  });

  test("a keyed list: one field of a 100-entry list", () => {
    const ids = Array.from({ length: 100 }, (_, i) => i + 1);
    replay([rowList("t", rows(...ids)), rowList("t", renamed(ids, 58, "changed")), rowList("t", renamed(ids, 1, "first"))]);
  });

  test("an unkeyed list, by position", () => {
    const plain = (names: string[]) => html`<ol>${names.map((n) => html`<li>${n}</li>`)}</ol>`;
    replay([plain(["a", "b"]), plain(["z", "a", "b"]), plain(["a"]), plain([])]);
  });

  test("a list of strings and numbers", () => {
    const tags = (list: (string | number)[]) => html`<p>${list}</p>`;
    replay([tags(["a", 1]), tags(["a", 2, "<c>"]), tags([0])]);
  });

  test("a slot switching between text, a node and a list", () => {
    const view = (v: unknown) => html`<div>${v}</div>`;
    replay([view("text"), view(html`<b>${1}</b>`), view([html`<i>${1}</i>`, "x"]), view(null), view(html`<b>${2}</b>`)]);
  });

  test("many states in a row on one connection", () => {
    const states = [[1], [1, 2], [2, 1], [2, 1, 3], [3], [], [4, 5, 6], [6, 5, 4], [5]];
    replay(states.map((ids, i) => rowList(`step ${i}`, rows(...ids))));
  });
});

describe("the client tree", () => {
  test("starts empty", () => {
    const tree = createTree();
    expect(tree).toEqual({ root: null, templates: {}, components: {}, title: null });
    expect(toHTML(tree)).toBe("");
  });

  test("keeps statics from p for later diffs on the connection", () => {
    const tree = createTree();
    merge(tree, { s: 0, 0: "a", p: { 0: ["<p>", "</p>"] } });
    merge(tree, { 0: { s: 1, 0: "b" }, p: { 1: ["<b>", "</b>"] } });
    expect(tree.templates).toEqual({ 0: ["<p>", "</p>"], 1: ["<b>", "</b>"] });
    expect(toHTML(tree)).toBe("<p><b>b</b></p>");
    merge(tree, { 0: { s: 1, 0: "c" } });
    expect(toHTML(tree)).toBe("<p><b>c</b></p>");
  });

  test("accepts inline statics arrays", () => {
    const tree = createTree();
    merge(tree, { s: ["<ul>", "</ul>"], 0: { k: { kc: 2, 0: { s: ["<li>", "</li>"], 0: "a" }, 1: { s: ["<li>", "</li>"], 0: "b" } } } });
    expect(toHTML(tree)).toBe("<ul><li>a</li><li>b</li></ul>");
    merge(tree, { 0: { k: { kc: 2, 0: 1, 1: [0, { 0: "A" }] } } });
    expect(toHTML(tree)).toBe("<ul><li>b</li><li>A</li></ul>");
  });

  test("stores the title t without touching the root", () => {
    const tree = createTree();
    merge(tree, { s: ["<p>", "</p>"], 0: "x", t: "Sneakers" });
    expect(tree.title).toBe("Sneakers");
    const root = tree.root;
    merge(tree, { t: "Cart (1)" });
    expect(tree.title).toBe("Cart (1)");
    expect(tree.root).toBe(root);
    expect(toHTML(tree)).toBe("<p>x</p>");
  });

  test("pushed events e are not part of the tree", () => {
    const tree = createTree();
    merge(tree, { s: ["<p>", "</p>"], 0: "x", e: [["toast", { text: "hi" }]] });
    expect(toHTML(tree)).toBe("<p>x</p>");
    expect(tree.root).not.toHaveProperty("e");
  });
});

describe("components by id", () => {
  test("a numeric slot renders the component from the c table", () => {
    const tree = createTree();
    merge(tree, {
      s: ["<main>", "", "</main>"],
      0: 1,
      1: 2,
      c: { 1: { s: ["<b>", "</b>"], 0: "one" }, 2: { s: ["<i>", "</i>"], 0: "two" } },
    });
    expect(toHTML(tree)).toBe("<main><b>one</b><i>two</i></main>");
  });

  test("a component diff merges into that component only", () => {
    const tree = createTree();
    merge(tree, { s: ["<main>", "", "</main>"], 0: 1, 1: "x", c: { 1: { s: ["<b>", "|", "</b>"], 0: "a", 1: "b" } } });
    merge(tree, { c: { 1: { 1: "B" } } });
    expect(toHTML(tree)).toBe("<main><b>a|B</b>x</main>");
  });

  test("a component sent with statics replaces the old one", () => {
    const tree = createTree();
    merge(tree, { s: ["<main>", "</main>"], 0: 3, c: { 3: { s: ["<b>", "</b>"], 0: "a" } } });
    merge(tree, { c: { 3: { s: ["<i>", "</i>"], 0: "z" } } });
    expect(toHTML(tree)).toBe("<main><i>z</i></main>");
  });

  test("components can be used inside list entries and statics from p", () => {
    const tree = createTree();
    merge(tree, {
      p: { 0: ["<ul>", "</ul>"], 1: ["<li>", "</li>"] },
      s: 0,
      0: { k: { kc: 2, 0: { s: 1, 0: 7 }, 1: { s: 1, 0: "plain" } } },
      c: { 7: { s: 1, 0: "comp" } },
    });
    expect(toHTML(tree)).toBe("<ul><li><li>comp</li></li><li>plain</li></ul>");
  });
});

describe("malformed diffs throw SB_ERR_MERGE_DIFF", () => {
  const started = () => {
    const tree = createTree();
    merge(tree, { s: ["<ul>", "</ul>"], 0: { k: { kc: 2, 0: { s: ["<li>", "</li>"], 0: "a" }, 1: { s: ["<li>", "</li>"], 0: "b" } } } });
    return tree;
  };

  test.each([
    ["null", null],
    ["a string", "diff"],
    ["a number", 1],
    ["an array", [1]],
  ])("a diff that is %s", (_, value) => {
    expect(() => merge(createTree(), value as never)).toThrow(MERGE_ERROR);
  });

  test("a partial diff before any full render", () => {
    expect(() => merge(createTree(), { 0: "x" })).toThrow(MERGE_ERROR);
  });

  test("a list moving an entry from an old index the client does not have", () => {
    expect(() => merge(started(), { 0: { k: { kc: 2, 0: 5 } } })).toThrow(MERGE_ERROR);
    expect(() => merge(started(), { 0: { k: { kc: 2, 0: [5, { 0: "x" }] } } })).toThrow(MERGE_ERROR);
  });

  test("a list growing without sending the new entries", () => {
    expect(() => merge(started(), { 0: { k: { kc: 3 } } })).toThrow(MERGE_ERROR);
  });

  test("a list changing an entry the client does not have", () => {
    expect(() => merge(started(), { 0: { k: { kc: 3, 2: { 0: "c" } } } })).toThrow(MERGE_ERROR);
  });

  test("a list without a valid count", () => {
    expect(() => merge(started(), { 0: { k: { 0: 1 } } } as never)).toThrow(MERGE_ERROR);
    expect(() => merge(started(), { 0: { k: { kc: -1 } } })).toThrow(MERGE_ERROR);
    expect(() => merge(started(), { 0: { k: null } } as never)).toThrow(MERGE_ERROR);
  });

  test("a list entry that is null", () => {
    expect(() => merge(started(), { 0: { k: { kc: 1, 0: null } } } as never)).toThrow(MERGE_ERROR);
  });

  test("a slot holding a boolean or null", () => {
    expect(() => merge(started(), { 0: true } as never)).toThrow(MERGE_ERROR);
    expect(() => merge(started(), { 0: null } as never)).toThrow(MERGE_ERROR);
  });

  test("an unknown statics id", () => {
    const tree = createTree();
    merge(tree, { s: 99_999, 0: "x" });
    expect(() => toHTML(tree)).toThrow(MERGE_ERROR);
    expect(() => toHTML(tree)).toThrow("statics 99999 are unknown to the client");
  });

  test("an unknown component id", () => {
    const tree = createTree();
    merge(tree, { s: ["<p>", "</p>"], 0: 4 });
    expect(() => toHTML(tree)).toThrow(MERGE_ERROR);
  });

  test("a full node missing one of its slots", () => {
    const tree = createTree();
    merge(tree, { s: ["<p>", "", "</p>"], 0: "x" });
    expect(() => toHTML(tree)).toThrow(MERGE_ERROR);
  });
});
