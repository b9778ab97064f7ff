// HTML escaping, and raw(): the single, explicit way to mark a string as trusted HTML.
// Every dynamic value is escaped for both text and attribute contexts unless it is raw().

const needsEscape = /[&<>"']/;
const escapeAll = /[&<>"']/g;
const entities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHTML(text: string): string {
  return needsEscape.test(text) ? text.replace(escapeAll, (c) => entities[c]!) : text;
}

/** Trusted HTML: rendered exactly as given. Only ever wrap markup you built or sanitised. */
export class RawHTML {
  readonly html: string;

  constructor(html: string) {
    this.html = html;
  }

  toString(): string {
    return this.html;
  }
}

export function raw(html: string): RawHTML {
  if (typeof html !== "string") {
    throw new TypeError(`raw() expects a string of trusted HTML; received ${typeof html}`);
  }
  return new RawHTML(html);
}
