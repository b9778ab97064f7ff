// The order-complete page `/checkout/complete?order=<id>`: the receipt of one of the session's
// own cart's orders. Any other id (malformed, unknown, another shopper's) is "not found".

import { defineLive, type LiveSocket, type Params } from "../src/switchboard/index.ts";
import type { Order } from "../src/store/checkout.ts";
import type { Store } from "../src/store/store.ts";
import { orderComplete, orderMissing } from "../templates/checkout.ts";
import { TITLE } from "./product-page.ts";
import { Shopper, type ShopperAssigns } from "./shopper.ts";

export const orderMessages = {
  notFound: "We could not find that order",
  unavailable: "Your order cannot be loaded right now: reload the page in a moment",
} as const;

export interface OrderCompleteAssigns extends ShopperAssigns {
  readonly order: Order | null;
  /** Why there is no order to show; null when there is one. */
  readonly problem: string | null;
}

export function orderCompletePage(store: Store) {
  // A shopper page like the others, so the admin sees the tab (its cart is not shown).
  const shopper = new Shopper(store, "/checkout/complete");
  return defineLive<OrderCompleteAssigns>({
    title: TITLE,
    async mount(context, socket) {
      await shopper.mount(context, socket);
      await load(store, socket, orderIdOf(context.params));
    },
    async handleInfo(message, socket) {
      await shopper.handleInfo(message, socket);
    },
    render: ({ order, problem }) => (order ? orderComplete(order) : orderMissing(problem ?? orderMessages.notFound)),
  });
}

async function load(store: Store, socket: LiveSocket<OrderCompleteAssigns>, orderId: number | null): Promise<void> {
  const { cartId } = socket.assigns;
  if (!cartId || orderId === null) return socket.assign({ order: null, problem: orderMessages.notFound });
  try {
    const order = await store.checkout.order(cartId, orderId);
    socket.assign({ order, problem: order ? null : orderMessages.notFound });
  } catch {
    socket.assign({ order: null, problem: orderMessages.unavailable });
  }
}

/** The `order` query parameter when it is a plain positive whole number (one a serial id can be). */
function orderIdOf(params: Params): number | null {
  const value = params.order;
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && /^\d{1,9}$/.test(text) && Number(text) > 0 ? Number(text) : null;
}
