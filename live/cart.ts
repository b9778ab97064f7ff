// The cart as a stateful live component, shown on the product and checkout pages. Its page hands
// it the lines (the page follows the cart's topic); the component handles its own remove buttons
// and tells the page to read the cart again.

import { defineComponent } from "../src/switchboard/index.ts";
import type { Store } from "../src/store/store.ts";
import { cart, type CartProps } from "../templates/cart.ts";

export interface CartComponentProps extends CartProps {
  readonly cartId: string | null;
}

interface CartEvents {
  [name: string]: Record<string, string | string[] | undefined>;
  remove: { item?: string };
}

/** Messages the cart sends its page's handleInfo. */
export const CART_RELOAD = "cart:reload";
export const CART_NOTICE = "cart:notice";

export function cartComponent(store: Store) {
  return defineComponent<CartComponentProps, CartComponentProps, CartEvents>({
    handleEvent: {
      async remove(value, socket) {
        const { cartId } = socket.assigns;
        if (!cartId) return;
        const result = await store.carts.remove(cartId, parseId(value.item));
        if (result.ok) socket.sendParent(CART_RELOAD);
        else socket.sendParent(CART_NOTICE, result.message);
      },
    },
    render: (assigns, { myself }) => cart(assigns, myself),
  });
}

export type CartComponent = ReturnType<typeof cartComponent>;

/** An item id from an event value; anything else is 0, which no item has ("This size does not exist"). */
export function parseId(value: unknown): number {
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === "string" && /^\d{1,9}$/.test(text) ? Number(text) : 0;
}
