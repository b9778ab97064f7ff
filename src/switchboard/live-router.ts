// Live routes: path patterns ("/products/:id") mapped to live views, matched for the HTTP render
// and again for every join, patch and navigation, so a URL always resolves to the same view.

import { sbError } from "./errors.ts";
import type { LiveView } from "./live-view.ts";

export interface LiveRoute {
  readonly path: string;
  readonly view: LiveView<any>;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

export interface LiveMatch {
  readonly route: LiveRoute;
  readonly params: Record<string, string>;
}

export class LiveRouter {
  readonly #routes: LiveRoute[] = [];
  /** Views mounted without a route (the harness's liveIsolated), by their unguessable view id. */
  readonly #isolated = new Map<string, LiveRoute>();

  /** Lets the view with DOM id `id` join `view` whatever its URL; for tests only. */
  isolate(id: string, view: LiveView<any>): void {
    this.#isolated.set(id, { path: `isolated:${id}`, view, pattern: /$^/, names: [] });
  }

  isolated(id: string): LiveMatch | null {
    const route = this.#isolated.get(id);
    if (!route) return null;
    this.#isolated.delete(id);
    return { route, params: {} };
  }

  add(path: string, view: LiveView<any>): LiveRoute {
    if (typeof path !== "string" || !path.startsWith("/")) throw sbError("SB_ERR_ROUTE", "a path starting with /", JSON.stringify(path));
    if (!view || typeof view.render !== "function" || typeof view.mount !== "function") {
      throw sbError("SB_ERR_ROUTE", `a live view from defineLive() for ${path}`, typeof view);
    }
    if (this.#routes.some((r) => r.path === path)) throw sbError("SB_ERR_ROUTE", `one live view for ${path}`, "a second one");
    const names: string[] = [];
    const source = path
      .split("/")
      .map((segment) => {
        if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(segment.slice(1));
        return "([^/]+)";
      })
      .join("/");
    const route = { path, view, pattern: new RegExp(`^${source}/?$`), names };
    this.#routes.push(route);
    return route;
  }

  get routes(): readonly LiveRoute[] {
    return this.#routes;
  }

  /** The route for a path (no query string), with its decoded parameters. */
  match(pathname: string): LiveMatch | null {
    for (const route of this.#routes) {
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      try {
        route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      } catch {
        return null;
      }
      return { route, params };
    }
    return null;
  }
}
