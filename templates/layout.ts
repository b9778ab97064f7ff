// The page layout shared by every page: document shell, title, CSRF meta tag and scripts.

import { html, type LayoutProps } from "../src/switchboard/index.ts";

export const layout = ({ title, csrfToken, scripts, content }: LayoutProps) => html`
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="csrf-token" content=${csrfToken} />
      <title>${title}</title>
      ${scripts}
    </head>
    <body>${content}</body>
  </html>`;
