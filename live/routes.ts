// Sneakers23's pages: path → live view, all built on one opened store, and the launch clock
// they share. The app registers the routes and stops the clock when it closes.

import type { LiveView } from "../src/switchboard/index.ts";
import type { Store } from "../src/store/store.ts";
import { cartComponent } from "./cart.ts";
import { Counter } from "./counter.ts";
import { LaunchClock } from "./launch-clock.ts";
import { productPage } from "./product-page.ts";

export interface StorePages {
  readonly routes: Record<string, LiveView<any, any>>;
  readonly clock: LaunchClock;
}

export function storePages(store: Store): StorePages {
  const Cart = cartComponent(store);
  const clock = new LaunchClock(store.pubsub);
  clock.start();
  return {
    clock,
    routes: {
      "/": productPage(store, Cart),
      // The framework's smallest example, kept as a demo (and for the events benchmark).
      "/counter": Counter,
    },
  };
}
