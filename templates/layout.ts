// Sneakers23's page layout: the document shell with the stylesheet, the site header and the live
// view's container. Everything here is static per page; what changes lives in the view.

import { html, type LayoutProps } from "../src/switchboard/index.ts";

export const layout = ({ title, csrfToken, scripts, content }: LayoutProps) => html`
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="csrf-token" content=${csrfToken} />
      <title>${title}</title>
      <link rel="stylesheet" href="/css/app.css" />
      <link rel="icon" href="/images/shoe-0.png" />
      ${scripts}
    </head>
    <body>
      <header class="site-header">
        <a class="site-header__logo" href="/">Sneakers<span>23</span></a>
        <nav class="site-header__nav">
          <a href="/">Shop</a>
          <a href="/checkout">Checkout</a>
        </nav>
      </header>
      ${content}
    </body>
  </html>`;

/** Shown by the stylesheet only while the live connection is lost (the client's phx-error class). */
export const connectionLost = () => html`<div class="connection-lost" role="status">Reconnecting… what you see may be out of date.</div>`;
