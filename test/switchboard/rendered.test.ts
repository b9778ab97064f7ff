// build(): template results into the rendered tree (statics + dynamic values, lists, keys),
// components in both forms, and memo(): subtrees shared by identity across renders and sessions.

import { describe, expect, test } from "vitest";
import { build, html, memo, raw, render, Rendered, RList, type TemplateResult } from "../../src/switchboard/index.ts";
import { TEXT_ENTRY } from "../../src/switchboard/template.ts";

const show = (result: TemplateResult) => render(build(result));
const code = (c: string) => expect.objectContaining({ code: c, message: expect.stringMatching(new RegExp(`^${c}: `)) });

describe("build", () => {
  test("keeps the template's interned statics and the escaped values, never the whole HTML", () => {
    const result = html`<p class=${"a"}>${"<b>"} ${3}</p>`;
    const node = build(result);
    expect(node).toBeInstanceOf(Rendered);
    expect(node.statics).toBe(result.template.statics);
    expect(node.d).toEqual([' class="a"', "&lt;b&gt;", "3"]);
    expect(node.html).toBeUndefined();
    expect(node.shared).toBe(false);
  });

  test("evaluates omitted attributes and empty values to empty strings", () => {
    expect(build(html`<a title=${null} class="x ${false}">${undefined}</a>`).d).toEqual(["", "", ""]);
  });

  test("raw() HTML goes in as is", () => {
    expect(build(html`<p>${raw("<hr>")}</p>`).d).toEqual(["<hr>"]);
  });

  test("a nested template becomes a nested node", () => {
    const inner = html`<b>${1}</b>`;
    const node = build(html`<p>${inner}</p>`);
    const child = node.d[0] as Rendered;
    expect(child).toBeInstanceOf(Rendered);
    expect(child.statics).toBe(inner.template.statics);
    expect(child.d).toEqual(["1"]);
  });

  test("two builds of the same values give equal but distinct trees", () => {
    const view = (n: number) => html`<p>${html`<b>${n}</b>`}</p>`;
    const a = build(view(1));
    const b = build(view(1));
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
  });

  test("a template with nothing dynamic and no key builds to one node, held by every build (one per view otherwise)", () => {
    const notice = () => html`<p role="status">Reconnecting…</p>`;
    const page = (n: number) => html`<main>${n}${notice()}</main>`;
    const [a, b] = [build(page(1)), build(page(2))];
    expect(b.d[1]).toBe(a.d[1]);
    expect(build(notice())).toBe(a.d[1]);
    expect(render(b)).toBe(`<main>2<p role="status">Reconnecting…</p></main>`);
    // A key makes each build its own node (it may become a shared component under a keyed memo).
    const keyed = () => html`<p key="k">fixed</p>`;
    expect(build(keyed())).not.toBe(build(keyed()));
    const keyedByValue = (k: string) => html`<p key=${k}>fixed</p>`;
    expect(build(keyedByValue("x"))).not.toBe(build(keyedByValue("x")));
  });
});

describe("lists", () => {
  test("an array becomes an RList of nodes, unkeyed when no entry has a key", () => {
    const list = build(html`<ul>${[1, 2].map((n) => html`<li>${n}</li>`)}</ul>`).d[0] as RList;
    expect(list).toBeInstanceOf(RList);
    expect(list.keys).toBeNull();
    expect(list.items.map((item) => item.d)).toEqual([["1"], ["2"]]);
  });

  test("strings and numbers in a list become text entries", () => {
    const list = build(html`<p>${["a", 1]}</p>`).d[0] as RList;
    expect(list.items.map((item) => [item.statics, item.d])).toEqual([
      [TEXT_ENTRY.statics, ["a"]],
      [TEXT_ENTRY.statics, ["1"]],
    ]);
  });

  test("every empty list is one list, held by every build", () => {
    const cart = (lines: string[]) => html`<ul>${lines.map((line) => html`<li>${line}</li>`)}</ul>`;
    const empty = build(cart([])).d[0] as RList;
    expect(empty).toBeInstanceOf(RList);
    expect(empty.items).toEqual([]);
    expect(build(cart([])).d[0]).toBe(empty);
    expect(build(cart(["a"])).d[0]).not.toBe(empty);
  });

  test("nested arrays flatten into one list and empty entries are dropped", () => {
    const list = build(html`<p>${[1, [null, [2, ""]], false, 3]}</p>`).d[0] as RList;
    expect(list.items.map((item) => item.d[0])).toEqual(["1", "2", "3"]);
  });

  test("root keys give each entry its Rendered.key and the list its keys", () => {
    const list = build(html`<ul>${["a", "b"].map((id) => html`<li key=${id}>${id}</li>`)}</ul>`).d[0] as RList;
    expect(list.items.map((item) => item.key)).toEqual(["a", "b"]);
    expect(list.keys).toEqual(["a", "b"]);
  });

  test("a literal key is the entry's key", () => {
    expect(build(html`<li key="intro">x</li>`).key).toBe("intro");
  });

  test("a template without a key has an undefined key", () => {
    expect(build(html`<li>x</li>`).key).toBeUndefined();
  });

  test("unkeyed entries in a keyed list get keys of their position that no user key can equal", () => {
    const list = build(html`<ul>${[html`<li>x</li>`, html`<li key=${"k"}>y</li>`, "z"]}</ul>`).d[0] as RList;
    expect(list.keys).toEqual(["\u00000", "k", "\u00002"]);
  });

  test("duplicate keys throw SB_ERR_DUPLICATE_KEY naming the key", () => {
    const rows = [1, 2, 1].map((id) => html`<li key=${id}>${id}</li>`);
    expect(() => build(html`<ul>${rows}</ul>`)).toThrow(code("SB_ERR_DUPLICATE_KEY"));
    expect(() => build(html`<ul>${rows}</ul>`)).toThrow(
      'SB_ERR_DUPLICATE_KEY: A list rendered from the template starting "<ul>${…}</ul>" has the key 1 more than once',
    );
  });

  test("keys of different types do not collide", () => {
    const rows = [1, "1"].map((id) => html`<li key=${id}>${id}</li>`);
    expect(show(html`<ul>${rows}</ul>`)).toBe("<ul><li>1</li><li>1</li></ul>");
  });
});

describe("components", () => {
  interface Product {
    name: string;
    price: number;
  }
  const p: Product = { name: "Hop <Man>", price: 120 };
  const card = (product: Product) => html`<article><h2>${product.name}</h2><p>$${product.price}</p></article>`;
  const CARD_HTML = "<article><h2>Hop &lt;Man&gt;</h2><p>$120</p></article>";

  test("the plain function call form is just a nested template", () => {
    expect(show(html`<main>${card(p)}</main>`)).toBe(`<main>${CARD_HTML}</main>`);
  });

  test("the tag form passes props to the component", () => {
    const Card = (props: { product: Product }) => card(props.product);
    expect(show(html`<main><${Card} product=${p} /></main>`)).toBe(`<main>${CARD_HTML}</main>`);
  });

  test("the tag form passes static, dynamic, mixed and spread props, and flags", () => {
    let seen: Record<string, unknown> = {};
    const Probe = (props: Record<string, unknown>) => ((seen = props), null);
    const obj = { id: 1 };
    build(html`<${Probe} kind="static" value=${obj} label="a ${"b"} ${2}" ...${{ extra: true, kind: "spread" }} open />`);
    expect(seen).toEqual({ kind: "spread", value: obj, label: "a b 2", extra: true, open: true });
    expect(seen.value).toBe(obj);
  });

  test("props after a spread win over it", () => {
    let seen: Record<string, unknown> = {};
    const Probe = (props: Record<string, unknown>) => ((seen = props), null);
    build(html`<${Probe} ...${{ a: 1, b: 1 }} b=${2} />`);
    expect(seen).toEqual({ a: 1, b: 2 });
  });

  test("children arrive as props.children, a template evaluated with the caller's values", () => {
    const Box = (props: { title: string; children: unknown }) => html`<section><h3>${props.title}</h3>${props.children}</section>`;
    expect(show(html`<${Box} title=${"Sizes"}><b>${"10"}</b> left<//>`)).toBe("<section><h3>Sizes</h3><b>10</b> left</section>");
    expect(show(html`<${Box} title="x"><i>y</i></${Box}>`)).toBe("<section><h3>x</h3><i>y</i></section>");
  });

  test("a component without children gets no children prop", () => {
    let seen: Record<string, unknown> = {};
    const Probe = (props: Record<string, unknown>) => ((seen = props), null);
    build(html`<${Probe} a="1" />`);
    expect("children" in seen).toBe(false);
  });

  test("a component may return a string, which is escaped", () => {
    const Name = () => "<Ada>";
    expect(show(html`<p><${Name} /></p>`)).toBe("<p>&lt;Ada&gt;</p>");
  });

  test("a component may return null or undefined, which render nothing", () => {
    const Nothing = () => null;
    const Undefined = () => undefined;
    expect(show(html`<p>[<${Nothing} />|<${Undefined} />]</p>`)).toBe("<p>[|]</p>");
  });

  test("a component may return an array, which renders as a list", () => {
    const Items = (props: { n: number }) => Array.from({ length: props.n }, (_, i) => html`<li>${i}</li>`);
    expect(show(html`<ul><${Items} n=${3} /></ul>`)).toBe("<ul><li>0</li><li>1</li><li>2</li></ul>");
  });

  test("a component may return raw() HTML or a number", () => {
    const Trusted = () => raw("<hr>");
    const Count = () => 0;
    expect(show(html`<p><${Trusted} /><${Count} /></p>`)).toBe("<p><hr>0</p>");
  });

  test("components compose", () => {
    const Inner = (props: { v: string }) => html`<i>${props.v}</i>`;
    const Outer = (props: { v: string }) => html`<b><${Inner} v=${props.v} /></b>`;
    expect(show(html`<p><${Outer} v="x" /></p>`)).toBe("<p><b><i>x</i></b></p>");
  });

  test("a root component's key keys the entry in a list", () => {
    const Row = (props: { id: number }) => html`<li>${props.id}</li>`;
    const list = build(html`<ul>${[3, 4].map((id) => html`<${Row} key=${id} id=${id} />`)}</ul>`).d[0] as RList;
    expect(list.keys).toEqual([3, 4]);
    expect(render(list.items[0]!)).toBe("<li>3</li>");
  });

  test.each([
    ["a plain object", { html: "<b>" }],
    ["a function", () => html`<b></b>`],
    ["a symbol", Symbol("x")],
    ["a Date", new Date(0)],
  ])("a component returning %s throws SB_ERR_COMPONENT_RESULT", (_, value) => {
    const Broken = () => value;
    expect(() => build(html`<p><${Broken} /></p>`)).toThrow(code("SB_ERR_COMPONENT_RESULT"));
  });

  test("the component error names the component", () => {
    function ProductCard() {
      return {};
    }
    expect(() => build(html`<${ProductCard} />`)).toThrow(
      "SB_ERR_COMPONENT_RESULT: Component ProductCard returned a plain object; expected an html template",
    );
  });

  test.each([
    ["a tag name string", "div"],
    ["undefined", undefined],
    ["an object", { render: () => null }],
    ["a number", 1],
  ])("a dynamic tag that is %s throws SB_ERR_TEMPLATE_DYNAMIC_TAG", (_, tag) => {
    expect(() => build(html`<p><${tag} /></p>`)).toThrow(code("SB_ERR_TEMPLATE_DYNAMIC_TAG"));
  });

  test("a spread of props that is not an object throws SB_ERR_SPREAD_VALUE", () => {
    const C = () => null;
    expect(() => build(html`<${C} ...${"ab"} />`)).toThrow(code("SB_ERR_SPREAD_VALUE"));
  });
});

describe("memo", () => {
  const counted = () => {
    const inputs: unknown[] = [];
    const Card = memo((product: { name: string }) => {
      inputs.push(product);
      return html`<article>${product.name}</article>`;
    });
    return { Card, inputs };
  };

  test("identical inputs return the same Rendered object without calling the component again", () => {
    const { Card, inputs } = counted();
    const p = { name: "Hop" };
    const a = build(html`<main>${Card(p)}</main>`);
    const b = build(html`<main>${Card(p)}</main>`);
    expect(b.d[0]).toBe(a.d[0]);
    expect(inputs).toEqual([p]);
  });

  test("a new input renders again", () => {
    const { Card, inputs } = counted();
    const p = { name: "Hop" };
    const a = build(html`<main>${Card(p)}</main>`);
    const q = { ...p, name: "Skip" };
    const b = build(html`<main>${Card(q)}</main>`);
    expect(b.d[0]).not.toBe(a.d[0]);
    expect(render(b)).toBe("<main><article>Skip</article></main>");
    expect(inputs).toEqual([p, q]);
  });

  test("an equal but not identical input renders again", () => {
    const { Card, inputs } = counted();
    build(html`<main>${Card({ name: "Hop" })}</main>`);
    build(html`<main>${Card({ name: "Hop" })}</main>`);
    expect(inputs).toHaveLength(2);
  });

  test("compares every argument, not only the first object", () => {
    let calls = 0;
    const Row = memo((_product: object, selected: boolean) => (calls++, html`<li class=${selected ? "on" : "off"}>x</li>`));
    const p = {};
    const a = build(html`<ul>${Row(p, false)}</ul>`);
    const b = build(html`<ul>${Row(p, true)}</ul>`);
    const c = build(html`<ul>${Row(p, true)}</ul>`);
    expect(calls).toBe(2);
    expect(b.d[0]).not.toBe(a.d[0]);
    expect(c.d[0]).toBe(b.d[0]);
    expect(render(c)).toBe('<ul><li class="on">x</li></ul>');
  });

  test("caches primitive inputs too", () => {
    let calls = 0;
    const Label = memo((text: string) => (calls++, html`<em>${text}</em>`));
    const a = build(html`<p>${Label("sale")}</p>`);
    const b = build(html`<p>${Label("sale")}</p>`);
    expect(b.d[0]).toBe(a.d[0]);
    expect(calls).toBe(1);
  });

  test("the tag form with identical props hits the cache", () => {
    let calls = 0;
    const Card = memo((props: { product: { name: string }; size: number }) => (calls++, html`<b>${props.product.name} ${props.size}</b>`));
    const p = { name: "Hop" };
    const a = build(html`<main><${Card} product=${p} size=${9} /></main>`);
    const b = build(html`<main><${Card} product=${p} size=${9} /></main>`);
    expect(b.d[0]).toBe(a.d[0]);
    expect(calls).toBe(1);
    const c = build(html`<main><${Card} product=${p} size=${10} /></main>`);
    expect(c.d[0]).not.toBe(a.d[0]);
    expect(calls).toBe(2);
    expect(render(c)).toBe("<main><b>Hop 10</b></main>");
  });

  test("two sessions building the same page share the same subtree objects", () => {
    const { Card, inputs } = counted();
    const catalog = [{ name: "a" }, { name: "b" }];
    const page = (products: typeof catalog, user: string) => html`<main><h1>${user}</h1>${products.map((p) => Card(p))}</main>`;
    const ada = build(page(catalog, "Ada"));
    const bo = build(page(catalog, "Bo"));
    expect(bo).not.toBe(ada);
    expect((bo.d[1] as RList).items[0]).toBe((ada.d[1] as RList).items[0]);
    expect((bo.d[1] as RList).items[1]).toBe((ada.d[1] as RList).items[1]);
    expect(inputs).toHaveLength(2);
    expect(render(bo)).toBe("<main><h1>Bo</h1><article>a</article><article>b</article></main>");
  });

  test("memoised nodes are marked shared, with the key of their root", () => {
    const Row = memo((item: { id: number }) => html`<li key=${item.id}>${item.id}</li>`);
    const node = build(html`<ul>${[{ id: 5 }].map((item) => Row(item))}</ul>`);
    const row = (node.d[0] as RList).items[0]!;
    expect(row.shared).toBe(true);
    expect(row.key).toBe(5);
    expect((node.d[0] as RList).keys).toEqual([5]);
  });

  test("a memoised component returning an array shares each entry", () => {
    const Pair = memo((_x: object) => [html`<i>1</i>`, html`<i>2</i>`]);
    const x = {};
    const a = build(html`<p>${Pair(x)}</p>`);
    const b = build(html`<p>${Pair(x)}</p>`);
    expect(b.d[0]).toBe(a.d[0]);
    expect((a.d[0] as RList).items.every((item) => item.shared)).toBe(true);
  });

  test("keeps the wrapped component's name", () => {
    function SizeButton() {
      return null;
    }
    expect(memo(SizeButton).name).toBe("SizeButton");
  });

  test("a memoised component returning an object throws SB_ERR_COMPONENT_RESULT", () => {
    const Broken = memo((x: object) => x);
    expect(() => build(html`<p>${Broken({})}</p>`)).toThrow(code("SB_ERR_COMPONENT_RESULT"));
    expect(() => build(html`<p><${Broken} x=${1} /></p>`)).toThrow(code("SB_ERR_COMPONENT_RESULT"));
  });

  test("memo of something that is not a function throws TypeError", () => {
    expect(() => memo("card" as never)).toThrow(TypeError);
  });
});
