// The checkout page `/checkout`: the shopper's cart with live availability, its total and the
// purchase button. A purchase runs beside the view (the page stays live) and only one at a time;
// success sends the shopper to the order's page, a failure keeps them here and says why.

import { defineLive, liveComponent, type LiveSocket } from "../src/switchboard/index.ts";
import { checkoutMessages, type PurchaseResult } from "../src/store/checkout.ts";
import type { Store } from "../src/store/store.ts";
import { checkout } from "../templates/checkout.ts";
import { CART_RELOAD, type CartComponent } from "./cart.ts";
import { TITLE } from "./product-page.ts";
import { messages, Shopper, type ShopperAssigns } from "./shopper.ts";

export interface CheckoutAssigns extends ShopperAssigns {
  /** Why the last purchase failed, until the next one. */
  readonly error: string | null;
  /** From a click on PURCHASE until its outcome (and, after a success, until the page is left). */
  readonly purchasing: boolean;
}

interface CheckoutEvents {
  [name: string]: Record<string, string | string[] | undefined>;
  /** Takes no values: anything sent along is ignored. */
  purchase: Record<string, string | string[] | undefined>;
}

/** Where a successful purchase sends the shopper. */
export const orderPath = (orderId: number) => `/checkout/complete?order=${orderId}`;

export function checkoutPage(store: Store, Cart: CartComponent) {
  const shopper = new Shopper(store, "/checkout");
  return defineLive<CheckoutAssigns, CheckoutEvents>({
    title: TITLE,
    async mount(context, socket) {
      socket.assign({ error: null, purchasing: false });
      await shopper.mount(context, socket);
    },
    handleEvent: {
      purchase: (_value, socket) => purchase(store, socket),
    },
    async handleInfo(message, socket) {
      await shopper.handleInfo(message, socket);
    },
    render: (assigns) =>
      checkout({
        lines: assigns.lines,
        cart: liveComponent(Cart, { id: "cart", cartId: assigns.cartId, lines: assigns.lines, notice: assigns.notice, checkoutHref: null }),
        error: assigns.error,
        purchasing: assigns.purchasing,
      }),
  });
}

/** Starts the purchase unless one is under way (a double click) or there is no cart to buy. */
function purchase(store: Store, socket: LiveSocket<CheckoutAssigns>): void {
  const { cartId, purchasing } = socket.assigns;
  if (purchasing) return;
  if (!cartId) return socket.assign({ error: messages.noSession });
  socket.assign({ purchasing: true, error: null });
  socket.startAsync(
    () => store.checkout.purchase(cartId),
    (outcome, socket) => {
      // purchase() turns every failure into a refusal; a throw is treated as one all the same.
      const result: PurchaseResult = outcome.ok ? outcome.value : { ok: false, reason: "failed", message: checkoutMessages.failed, itemIds: [] };
      if (result.ok) return socket.pushNavigate(orderPath(result.order.id));
      socket.assign({ purchasing: false, error: result.message });
      // The cart may have changed under the page (emptied in another tab): read it again.
      socket.sendInfo(CART_RELOAD);
    },
  );
}
