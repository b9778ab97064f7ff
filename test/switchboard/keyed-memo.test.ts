// Keyed memos (memo(fn, { keyed: true })): a subtree that travels as a shared component by the id
// of its key, so a change inside it is sent under `c` alone, whatever contains it; generated
// catalog histories merge to the HTML of a fresh render; misuse is refused with a clear code.

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { build, createTree, diffTree, DiffContext, html, liveComponent, memo, merge, render, toHTML, type Rendered, type WireDiff } from "../../src/switchboard/index.ts";
import { defineComponent } from "../../src/switchboard/index.ts";
import { withComponents } from "../../src/switchboard/rendered.ts";
import { catalog, keyedProductPage, withLevel, type Item, type Level, type Product } from "../fixtures/product-page.ts";

/** One connection: each render diffed (shared components included) and merged through JSON. */
function connection() {
  const ctx = new DiffContext();
  const tree = createTree();
  let prev: Rendered | null = null;
  return {
    tree,
    send(next: Rendered): string | null {
      const out = diffTree(prev, next, ctx);
      prev = next;
      if (out === null) return null;
      const wire = JSON.stringify(out);
      merge(tree, JSON.parse(wire) as WireDiff);
      return wire;
    },
  };
}

const page = (products: readonly Product[]) => build(html`<div class="page">${keyedProductPage(products)}</div>`);

describe("a keyed memo on the wire", () => {
  test("the first render places cards and buttons by id and sends their content under c", () => {
    const client = connection();
    const first = page(catalog(2));
    const wire = JSON.parse(client.send(first)!) as WireDiff;
    const ids = Object.keys(wire.c ?? {}).map(Number);
    expect(ids).toHaveLength(2 + 26);
    expect(ids.every((id) => id < 0)).toBe(true);
    expect(toHTML(client.tree)).toBe(render(first));
  });

  test("one size-level change is that button's changed slots under its id, and nothing else", () => {
    const client = connection();
    const products = catalog(50);
    client.send(page(products));
    const after = page(withLevel(products, 49, 3, "out"));
    const wire = client.send(after)!;
    expect(wire).toMatch(/^\{"c":\{"-\d+":\{"0":"out","2":" disabled"\}\}\}$/);
    expect(toHTML(client.tree)).toBe(render(after));
  });

  test("sessions at the same state receive the same diff for the same change", () => {
    const products = catalog(3);
    const changed = withLevel(products, 1, 0, "low");
    const [a, b] = [connection(), connection()];
    a.send(page(products));
    b.send(page(products));
    expect(a.send(page(changed))).toBe(b.send(page(changed)));
  });

  test("a card that goes away is removed from the client with cr, and comes back in full", () => {
    const client = connection();
    const products = catalog(3);
    client.send(page(products));
    const removed = JSON.parse(client.send(page(products.slice(0, 2)))!) as WireDiff;
    expect(removed.cr?.length).toBe(1 + 13);
    expect(Object.keys(client.tree.components)).toHaveLength(2 + 26);
    const back = page(products);
    const again = JSON.parse(client.send(back)!) as WireDiff;
    expect(Object.keys(again.c ?? {})).toHaveLength(1 + 13);
    expect(toHTML(client.tree)).toBe(render(back));
  });

  test("an unchanged state sends nothing", () => {
    const client = connection();
    const products = catalog(2);
    client.send(page(products));
    expect(client.send(page(products))).toBeNull();
  });
});

describe("keyed memo rules", () => {
  function Tag(item: { id: number; label: string }) {
    return html`<b key=${item.id}>${item.label}</b>`;
  }
  const KeyedTag = memo(Tag, { keyed: true });

  test("two renderings of one key in one view are refused with SB_ERR_MEMO_KEY", () => {
    const tree = build(html`<div>${KeyedTag({ id: 1, label: "a" })}<p>${KeyedTag({ id: 1, label: "b" })}</p></div>`);
    expect(() => diffTree(null, tree, new DiffContext())).toThrow(/^SB_ERR_MEMO_KEY: .*Tag.* key 1/);
  });

  test("the same rendering shown twice is fine", () => {
    const item = { id: 1, label: "a" };
    const tree = build(html`<div>${KeyedTag(item)}<p>${KeyedTag(item)}</p></div>`);
    const client = connection();
    client.send(tree);
    expect(toHTML(client.tree)).toBe(render(tree));
  });

  test("a keyed memo without a key on its root is refused with SB_ERR_MEMO_KEY_ROOT", () => {
    const NoKey = memo((label: string) => html`<b>${label}</b>`, { keyed: true });
    expect(() => build(html`<div>${NoKey("x")}</div>`)).toThrow(/^SB_ERR_MEMO_KEY_ROOT: .*has no key=/);
  });

  test("a keyed memo holding a stateful component is refused with SB_ERR_MEMO_KEY_ROOT", () => {
    const Inner = defineComponent({ render: () => html`<i>inner</i>` });
    const Holder = memo((id: number) => html`<div key=${id}>${liveComponent(Inner, { id: "inner" })}</div>`, { keyed: true });
    const view = { resolve: () => 1, rendered: () => build(html`<i>inner</i>`) };
    expect(() => withComponents(view, () => build(html`<main>${Holder(1)}</main>`))).toThrow(/^SB_ERR_MEMO_KEY_ROOT: .*holds a stateful component/);
  });
});

// ---- Generated catalog histories ---------------------------------------------------------------

type Step =
  | { readonly kind: "level"; readonly product: number; readonly item: number; readonly level: Level }
  | { readonly kind: "release"; readonly product: number; readonly released: boolean }
  | { readonly kind: "drop"; readonly product: number }
  | { readonly kind: "restore" }
  | { readonly kind: "reverse" }
  | { readonly kind: "dropSize"; readonly product: number; readonly item: number };

const levels: Level[] = ["high", "medium", "low", "out"];
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("level" as const), product: fc.nat(5), item: fc.nat(4), level: fc.constantFrom(...levels) }),
  fc.record({ kind: fc.constant("release" as const), product: fc.nat(5), released: fc.boolean() }),
  fc.record({ kind: fc.constant("drop" as const), product: fc.nat(5) }),
  fc.record({ kind: fc.constant("restore" as const) }),
  fc.record({ kind: fc.constant("reverse" as const) }),
  fc.record({ kind: fc.constant("dropSize" as const), product: fc.nat(5), item: fc.nat(4) }),
);

function apply(products: readonly Product[], step: Step, original: readonly Product[]): readonly Product[] {
  if (products.length === 0 && step.kind !== "restore") return products;
  const at = "product" in step ? step.product % Math.max(products.length, 1) : 0;
  const replace = (p: Product) => products.map((q, i) => (i === at ? p : q));
  const product = products[at]!;
  switch (step.kind) {
    case "level": {
      if (product.items.length === 0) return products;
      const i = step.item % product.items.length;
      const items: Item[] = product.items.map((item, j) => (j === i ? { ...item, level: step.level } : item));
      return replace({ ...product, items });
    }
    case "release":
      return replace({ ...product, released: step.released });
    case "drop":
      return products.filter((_, i) => i !== at);
    case "restore":
      return original;
    case "reverse":
      return [...products].reverse();
    case "dropSize":
      return replace({ ...product, items: product.items.filter((_, j) => j !== step.item % Math.max(product.items.length, 1)) });
  }
}

describe("keyed memo histories (generated)", () => {
  test("merging the diffs of any catalog history gives the HTML of its last state, for two sessions apart", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 25 }), fc.nat(10), (steps, lateJoin) => {
        const original = catalog(4, 5);
        let products: readonly Product[] = original;
        const early = connection();
        const late = connection();
        early.send(page(products));
        steps.forEach((step, i) => {
          products = apply(products, step, original);
          const next = page(products);
          early.send(next);
          if (i >= lateJoin) late.send(next);
          expect(toHTML(early.tree)).toBe(render(next));
          if (i >= lateJoin) expect(toHTML(late.tree)).toBe(render(next));
        });
      }),
      { numRuns: 300 },
    );
  });
});
