// diff(): the smallest wire diff from the tree a client has to the next one; statics once per
// connection, changed slots only, keyed lists with compact inserts, deletes and moves.

import { describe, expect, test } from "vitest";
import { build, createTree, diff, DiffContext, html, memo, merge, render, Rendered, RList, toHTML, type TemplateResult } from "../../src/switchboard/index.ts";
import { catalog, productPage, withLevel } from "../fixtures/product-page.ts";

/** One connection: diffs each new render against the previous one. */
function connection() {
  const ctx = new DiffContext();
  let prev: Rendered | null = null;
  return (result: TemplateResult | Rendered) => {
    const next = result instanceof Rendered ? result : build(result);
    const out = diff(prev, next, ctx);
    prev = next;
    return out;
  };
}

interface Row {
  id: number;
  name: string;
}
const row = (r: Row) => html`<li key=${r.id}>${r.name}</li>`;
const rowList = (rows: Row[]) => html`<ul>${rows.map(row)}</ul>`;
const rows = (...ids: number[]) => ids.map((id) => ({ id, name: `n${id}` }));
const ROW = row({ id: 0, name: "" }).template.statics;
const LIST = rowList([]).template.statics;

describe("the first render", () => {
  test("sends every node with its statics id and each statics once in p", () => {
    const send = connection();
    expect(send(rowList(rows(1, 2, 3)))).toEqual({
      s: LIST.id,
      0: {
        k: {
          kc: 3,
          0: { s: ROW.id, 0: "n1" },
          1: { s: ROW.id, 0: "n2" },
          2: { s: ROW.id, 0: "n3" },
        },
      },
      p: { [LIST.id]: ["<ul>", "</ul>"], [ROW.id]: ["<li>", "</li>"] },
    });
  });

  test("sends the values already escaped, and whole attributes with their leading space", () => {
    const view = html`<a href=${"/x?a=1&b=2"} hidden=${true}>${"<b>"}</a>`;
    expect(connection()(view)).toEqual({
      s: view.template.statics.id,
      0: ' href="/x?a=1&amp;b=2"',
      1: " hidden",
      2: "&lt;b&gt;",
      p: { [view.template.statics.id]: ["<a", "", ">", "</a>"] },
    });
  });

  test("an empty list is sent with its count only", () => {
    expect(connection()(rowList([]))).toMatchObject({ s: LIST.id, 0: { k: { kc: 0 } } });
  });
});

describe("statics", () => {
  test("a new node using an already-sent template sends no p", () => {
    const send = connection();
    send(rowList(rows(1)));
    expect(send(rowList(rows(1, 2)))).toEqual({ 0: { k: { kc: 2, 1: { s: ROW.id, 0: "n2" } } } });
  });

  test("a template seen for the first time on this connection is sent in p", () => {
    const send = connection();
    const view = (on: boolean) => html`<p>${on ? html`<b class="diff-new">${1}</b>` : "off"}</p>`;
    const bold = html`<b class="diff-new">${1}</b>`.template.statics;
    send(view(false));
    expect(send(view(true))).toEqual({ 0: { s: bold.id, 0: "1" }, p: { [bold.id]: ['<b class="diff-new">', "</b>"] } });
    send(view(false));
    expect(send(view(true))).toEqual({ 0: { s: bold.id, 0: "1" } });
  });

  test("each connection gets the statics again", () => {
    const a = connection();
    const b = connection();
    expect(a(rowList(rows(1)))).toHaveProperty("p");
    expect(b(rowList(rows(1)))).toHaveProperty("p");
  });
});

describe("changes", () => {
  const card = (title: string, cls: string, n: number) =>
    html`<div class="card ${cls}" title=${title}><h2>${title}</h2><p>${n}</p></div>`;

  test("an unchanged state produces null", () => {
    const send = connection();
    send(card("a", "x", 1));
    expect(send(card("a", "x", 1))).toBeNull();
  });

  test("diffing a tree against itself produces null", () => {
    const node = build(card("a", "x", 1));
    const ctx = new DiffContext();
    diff(null, node, ctx);
    expect(diff(node, node, ctx)).toBeNull();
  });

  test("one text change sends only that slot", () => {
    const send = connection();
    send(card("a", "x", 1));
    expect(send(card("a", "x", 2))).toEqual({ 3: "2" });
  });

  test("a whole attribute change sends the attribute", () => {
    const send = connection();
    send(card("a", "x", 1));
    expect(send(card("b", "x", 1))).toEqual({ 1: ' title="b"', 2: "b" });
  });

  test("a mixed attribute change sends only the value", () => {
    const send = connection();
    send(card("a", "x", 1));
    expect(send(card("a", "y", 1))).toEqual({ 0: "y" });
  });

  test("a boolean attribute turned off sends an empty string", () => {
    const send = connection();
    const button = (off: boolean) => html`<button disabled=${off}>Buy</button>`;
    send(button(true));
    expect(send(button(false))).toEqual({ 0: "" });
    expect(send(button(true))).toEqual({ 0: " disabled" });
  });

  test("a change inside a nested template with the same statics sends a partial node", () => {
    const send = connection();
    const view = (n: number) => html`<section>${html`<b>${n}</b><i>${"same"}</i>`}</section>`;
    send(view(1));
    expect(send(view(2))).toEqual({ 0: { 0: "2" } });
  });

  test("swapping a nested template sends the new one in full, with a new s", () => {
    const send = connection();
    const on = html`<b>${"on"}</b>`.template.statics;
    const off = html`<i>${"off"}</i>`.template.statics;
    const view = (state: boolean) => html`<p>${state ? html`<b>${"on"}</b>` : html`<i>${"off"}</i>`}</p>`;
    send(view(true));
    expect(send(view(false))).toEqual({ 0: { s: off.id, 0: "off" }, p: { [off.id]: ["<i>", "</i>"] } });
    expect(send(view(true))).toEqual({ 0: { s: on.id, 0: "on" } });
  });

  test("a different root template sends the root in full", () => {
    const send = connection();
    send(html`<p>${1}</p>`);
    const next = html`<div>${1}</div>`;
    expect(send(next)).toEqual({ s: next.template.statics.id, 0: "1", p: { [next.template.statics.id]: ["<div>", "</div>"] } });
  });

  test("a slot that turns from text into a list and back", () => {
    const send = connection();
    const view = (items: string[] | null) => html`<p>${items ?? "none"}</p>`;
    send(view(null));
    expect(send(view(["a"]))).toMatchObject({ 0: { k: { kc: 1, 0: { 0: "a" } } } });
    expect(send(view(null))).toEqual({ 0: "none" });
  });
});

describe("keyed lists", () => {
  const diffOf = (from: number[], to: number[], rename: Record<number, string> = {}) => {
    const send = connection();
    send(rowList(rows(...from)));
    return send(rowList(to.map((id) => ({ id, name: rename[id] ?? `n${id}` }))));
  };
  const list = (k: Record<string, unknown>) => ({ 0: { k } });

  test("insert at the start: a new entry, the others moved by old index", () => {
    expect(diffOf([1, 2, 3], [0, 1, 2, 3])).toEqual(list({ kc: 4, 0: { s: ROW.id, 0: "n0" }, 1: 0, 2: 1, 3: 2 }));
  });

  test("insert in the middle: entries before it are not mentioned", () => {
    expect(diffOf([1, 2, 3], [1, 9, 2, 3])).toEqual(list({ kc: 4, 1: { s: ROW.id, 0: "n9" }, 2: 1, 3: 2 }));
  });

  test("insert at the end: only the new entry and the count", () => {
    expect(diffOf([1, 2, 3], [1, 2, 3, 4])).toEqual(list({ kc: 4, 3: { s: ROW.id, 0: "n4" } }));
  });

  test("delete at the end: only the count", () => {
    expect(diffOf([1, 2, 3], [1, 2])).toEqual(list({ kc: 2 }));
  });

  test("delete at the start: the rest moved by old index", () => {
    expect(diffOf([1, 2, 3], [2, 3])).toEqual(list({ kc: 2, 0: 1, 1: 2 }));
  });

  test("delete in the middle", () => {
    expect(diffOf([1, 2, 3], [1, 3])).toEqual(list({ kc: 2, 1: 2 }));
  });

  test("delete everything", () => {
    expect(diffOf([1, 2, 3], [])).toEqual(list({ kc: 0 }));
  });

  test("a move sends old index numbers", () => {
    expect(diffOf([1, 2, 3], [3, 1, 2])).toEqual(list({ kc: 3, 0: 2, 1: 0, 2: 1 }));
  });

  test("a swap sends the two old indexes", () => {
    expect(diffOf([1, 2, 3, 4], [1, 3, 2, 4])).toEqual(list({ kc: 4, 1: 2, 2: 1 }));
  });

  test("a move with a change sends [old index, diff]", () => {
    expect(diffOf([1, 2, 3], [3, 1, 2], { 3: "three" })).toEqual(list({ kc: 3, 0: [2, { 0: "three" }], 1: 0, 2: 1 }));
  });

  test("a change in place sends only the changed slots of that entry", () => {
    expect(diffOf([1, 2, 3], [1, 2, 3], { 2: "two" })).toEqual(list({ kc: 3, 1: { 0: "two" } }));
  });

  test("an unchanged list is not mentioned", () => {
    expect(diffOf([1, 2, 3], [1, 2, 3])).toBeNull();
  });

  test("replacing every entry sends them all in full", () => {
    expect(diffOf([1, 2], [3, 4])).toEqual(list({ kc: 2, 0: { s: ROW.id, 0: "n3" }, 1: { s: ROW.id, 0: "n4" } }));
  });

  test("an entry whose key stays but whose template changes is sent in full", () => {
    const send = connection();
    const entry = (id: number, open: boolean) => (open ? html`<li key=${id} class="open">${id}</li>` : row({ id, name: `n${id}` }));
    const view = (open: number) => html`<ul>${[1, 2].map((id) => entry(id, id === open))}</ul>`;
    const OPEN = html`<li key=${0} class="open">${0}</li>`.template.statics;
    send(view(0));
    expect(send(view(2))).toEqual({ 0: { k: { kc: 2, 1: { s: OPEN.id, 0: "2" } } }, p: { [OPEN.id]: ['<li class="open">', "</li>"] } });
  });

  test("one field changed in a 100-entry list sends only that field", () => {
    const send = connection();
    const entries = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, stock: 5 }));
    const item = (e: (typeof entries)[number]) => html`<li key=${e.id} data-id=${e.id}><b>${e.name}</b> ${e.stock} left</li>`;
    const page = (list: typeof entries) => html`<main><h1>${"Stock"}</h1><ul>${list.map(item)}</ul></main>`;
    send(page(entries));
    const changed = entries.map((e) => (e.id === 58 ? { ...e, stock: 4 } : e));
    expect(JSON.stringify(send(page(changed)))).toBe('{"1":{"k":{"57":{"2":"4"},"kc":100}}}');
  });
});

describe("unkeyed lists", () => {
  const plain = (names: string[]) => html`<ol>${names.map((n) => html`<li>${n}</li>`)}</ol>`;
  const ITEM = html`<li>${""}</li>`.template.statics;

  test("diff by position: an insert at the start changes every entry and adds one at the end", () => {
    const send = connection();
    send(plain(["a", "b"]));
    expect(send(plain(["z", "a", "b"]))).toEqual({ 0: { k: { kc: 3, 0: { 0: "z" }, 1: { 0: "a" }, 2: { s: ITEM.id, 0: "b" } } } });
  });

  test("a removal at the end sends only the count", () => {
    const send = connection();
    send(plain(["a", "b", "c"]));
    expect(send(plain(["a", "b"]))).toEqual({ 0: { k: { kc: 2 } } });
  });

  test("a list of strings diffs its text entries by position", () => {
    const send = connection();
    const tags = (list: string[]) => html`<p>${list}</p>`;
    send(tags(["a", "b"]));
    expect(send(tags(["a", "c"]))).toEqual({ 0: { k: { kc: 2, 1: { 0: "c" } } } });
  });
});

describe("memoised subtrees", () => {
  interface Card {
    id: number;
    title: string;
    stock: number;
  }

  test("only the card whose input changed is walked", () => {
    const calls: number[] = [];
    const CardView = memo((c: Card) => (calls.push(c.id), html`<article key=${c.id}><h2>${c.title}</h2><p>${c.stock}</p></article>`));
    const page = (cards: Card[]) => html`<main>${cards.map((c) => CardView(c))}</main>`;
    const cards = [1, 2, 3].map((id) => ({ id, title: `t${id}`, stock: 9 }));
    const ctx = new DiffContext();
    const before = build(page(cards));
    diff(null, before, ctx);

    const changed = cards.map((c) => (c.id === 2 ? { ...c, stock: 8 } : c));
    const after = build(page(changed));
    expect(calls).toEqual([1, 2, 3, 2]);
    const items = (after.d[0] as RList).items;
    expect(items[0]).toBe((before.d[0] as RList).items[0]);
    expect(items[2]).toBe((before.d[0] as RList).items[2]);

    // Reading an unchanged card's values would mean the diff walked into it.
    let reads = 0;
    for (const card of [items[0]!, items[2]!]) {
      const d = card.d;
      Object.defineProperty(card, "d", { get: () => (reads++, d), configurable: true });
    }
    expect(diff(before, after, ctx)).toEqual({ 0: { k: { kc: 3, 1: { 1: "8" } } } });
    expect(reads).toBe(0);
  });
});

describe("the product page", () => {
  test.each([2, 50])("one size-level change on a %ix13 page is a diff under 100 bytes that merges to the new HTML", (count) => {
    const products = catalog(count);
    const ctx = new DiffContext();
    const tree = createTree();
    const before = build(productPage(products));
    merge(tree, JSON.parse(JSON.stringify(diff(null, before, ctx))));
    expect(toHTML(tree)).toBe(render(before));

    const after = build(productPage(withLevel(products, count - 1, 3, "out")));
    const change = diff(before, after, ctx);
    const wire = JSON.stringify(change);
    expect(wire.length).toBeLessThan(100);
    expect(wire).toBe(`{"0":{"k":{"${count - 1}":{"6":{"0":{"k":{"3":{"0":"out","2":" disabled"},"kc":13}}}},"kc":${count}}}}`);
    merge(tree, JSON.parse(wire));
    expect(toHTML(tree)).toBe(render(after));
  });

  test("a change of one level back to in stock re-enables the button", () => {
    const products = withLevel(catalog(2), 0, 0, "out");
    const send = connection();
    send(build(productPage(products)));
    expect(JSON.stringify(send(productPage(withLevel(products, 0, 0, "high"))))).toBe(
      '{"0":{"k":{"0":{"6":{"0":{"k":{"0":{"0":"high","2":""},"kc":13}}}},"kc":2}}}',
    );
  });
});
