// The admin dashboard: shoppers (unique and by page), every product's release state with its
// release and schedule controls and its sizes ("N in cart / M available", level), the sales chart
// and the connected nodes. Product panels are memoised on the inventory's product and its counts.

import { html, memo, type Flash } from "../src/switchboard/index.ts";
import type { Product } from "../src/store/inventory.ts";
import { connectionLost } from "./layout.ts";
import { salesChart } from "./sales-chart.ts";

export interface AdminShoppers {
  readonly unique: number;
  /** [path, open tabs], in the order shown. */
  readonly pages: readonly (readonly [string, number])[];
  /** Product id → shoppers holding each of its items in their cart, in the product's item order. */
  readonly inCart: ReadonlyMap<number, readonly number[]>;
}

export interface AdminNode {
  readonly name: string;
  readonly self: boolean;
  readonly startedAt: string;
  readonly pid: number;
  readonly host: string;
}

export interface AdminProps {
  readonly products: readonly Product[];
  readonly shoppers: AdminShoppers;
  /** Units sold in each of the last seconds, oldest first. */
  readonly sales: readonly number[];
  readonly totalSales: number;
  readonly nodes: readonly AdminNode[];
}

const NO_COUNTS: readonly number[] = Object.freeze([]);

export const adminDashboard = (props: AdminProps, flash: Flash) => html`
  <main class="admin">
    ${flashes(flash)}
    <section class="admin__panel">
      <h2>Shoppers online</h2>
      <div class="admin__stat admin__shoppers">${props.shoppers.unique}</div>
    </section>
    <section class="admin__panel">
      <h2>Open pages</h2>
      ${pages(props.shoppers.pages)}
    </section>
    <section class="admin__panel">
      <h2>Nodes</h2>
      <ul class="admin__nodes">${props.nodes.map(node)}</ul>
    </section>
    <section class="admin__panel admin__panel--wide admin__sales">
      <h2>Sales per second</h2>
      ${salesChart(props.sales)}
      <p>Total sales: <strong class="admin__total">${props.totalSales}</strong></p>
    </section>
    ${props.products.map((product) => ProductPanel(product, props.shoppers.inCart.get(product.id) ?? NO_COUNTS))}
    ${connectionLost()}
  </main>`;

const flashes = (flash: Flash) => html`
  ${flash.info ? html`<p class="flash flash--info admin__flash" role="status">${flash.info}</p>` : null}
  ${flash.error ? html`<p class="flash flash--error admin__flash" role="alert">${flash.error}</p>` : null}`;

const pages = (rows: AdminShoppers["pages"]) =>
  rows.length === 0
    ? html`<p class="admin__empty">No open pages</p>`
    : html`<table class="admin__pages">
        <thead><tr><th>Page</th><th>Open tabs</th></tr></thead>
        <tbody>${rows.map(([path, tabs]) => html`<tr class="admin__page" key=${path} data-path=${path}><td>${path}</td><td class="admin__tabs">${tabs}</td></tr>`)}</tbody>
      </table>`;

const node = (row: AdminNode) => html`
  <li class="admin__node" key=${row.name} data-node=${row.name}>
    <strong>${row.name}</strong>${row.self ? " (this node)" : ""}:
    <span class="admin__node-meta">pid ${row.pid}${row.host ? ` on ${row.host}` : ""}, up since ${utcText(row.startedAt)}</span>
  </li>`;

/** One product: release state and controls, and its sizes. `inCart` follows `product.items`. */
export const ProductPanel = memo((product: Product, inCart: readonly number[]) => html`
  <section class="admin__panel admin__panel--wide admin__product" key=${product.id} data-product-id=${product.id}>
    <h2>${product.brand} ${product.name} <small>#${product.id} · ${product.sku}</small></h2>
    <p class="admin__state">${stateText(product)}</p>
    ${product.released ? null : controls(product)}
    <table class="admin__sizes">
      <thead><tr><th>Size</th><th>Carts / stock</th><th>Level</th></tr></thead>
      <tbody>${product.items.map((item, i) => html`
        <tr class="admin__size" key=${item.id} data-item-id=${item.id}>
          <td>${item.size}</td>
          <td><span class="admin__in-cart">${inCart[i] ?? 0} in cart</span> / <span class="admin__available">${item.count} available</span></td>
          <td class="admin__level admin__level--${item.level}">${item.level}</td>
        </tr>`)}</tbody>
    </table>
  </section>`);

const controls = (product: Product) => html`
  <div class="admin__controls">
    <button class="admin__release" phx-click="release" phx-value-product=${product.id}>Release now</button>
    <form class="admin__schedule" phx-submit="schedule">
      <input type="hidden" name="product" value=${product.id} />
      <label>Release at (UTC) <input type="datetime-local" name="release_at" step="1" value=${inputValue(product.releaseAt)} /></label>
      <button type="submit">Schedule</button>
    </form>
    ${product.releaseAt === null ? null : html`<button class="admin__clear" phx-click="clear" phx-value-product=${product.id}>Clear schedule</button>`}
  </div>`;

export function stateText(product: Product): string {
  if (product.released) return "Released";
  if (product.releaseAt !== null) return `Scheduled for ${utcText(product.releaseAt)}`;
  return "Unreleased";
}

/** "2030-01-01 12:00 UTC" (seconds shown only when there are some). */
export function utcText(iso: string): string {
  const value = inputValue(iso);
  return value ? `${value.replace("T", " ")} UTC` : iso;
}

/** A datetime-local input's value for an ISO time, read as UTC: "2030-01-01T12:00" or with ":ss". */
export function inputValue(iso: string | null): string {
  if (iso === null) return "";
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return "";
  const text = new Date(time).toISOString();
  return text.slice(17, 19) === "00" ? text.slice(0, 16) : text.slice(0, 19);
}
