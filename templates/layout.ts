// The page layout shared by every page: document shell, title and stylesheet.

import { html, type TemplateResult } from "../src/switchboard/index.ts";

export interface LayoutProps {
  title: string;
  content: TemplateResult;
}

export const layout = ({ title, content }: LayoutProps) => html`
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title}</title>
    </head>
    <body>${content}</body>
  </html>`;
