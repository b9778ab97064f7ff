// The one registry of Switchboard's error codes. Each code has a message builder that says what
// was expected, what was received and how to fix it; docs/errors.md documents every code (a test
// checks that), so a code seen in a log can always be looked up.

const codes = {
  SB_ERR_TEMPLATE_SYNTAX: (first: string, detail: string) =>
    `Template starting "${first}" is not valid markup: ${detail}. Check that every tag is closed in the order it was opened.`,
  SB_ERR_TEMPLATE_DYNAMIC_TAG: (first: string, got: string) =>
    `Template starting "${first}" uses a dynamic tag, which must be a component function; received ${got}. Write the tag name literally, or pass a function that returns html\`...\`.`,
  SB_ERR_TEMPLATE_VOID_CHILDREN: (first: string, tag: string) =>
    `Template starting "${first}" gives children to the void element <${tag}>, which can have none. Remove the children or use another element.`,
  SB_ERR_SLOT_VALUE: (first: string, where: string, got: string) =>
    `Template starting "${first}" received ${got} in ${where}; expected a string, a number, a boolean, null/undefined, raw(), an html template or an array of them. Convert the value to text (or a template) before rendering it.`,
  SB_ERR_SPREAD_VALUE: (first: string, got: string) =>
    `Template starting "${first}" spreads ${got} as attributes; expected a plain object of attribute names to values. Pass an object such as { id: "a", disabled: true }.`,
  SB_ERR_ATTR_NAME: (first: string, name: string) =>
    `Template starting "${first}" received the attribute name ${JSON.stringify(name)}, which is not a valid HTML attribute name. Use letters, digits, "-", "_", ":" or ".".`,
  SB_ERR_COMPONENT_RESULT: (name: string, got: string) =>
    `Component ${name} returned ${got}; expected an html template, a string, null or an array. Return html\`...\` from the component.`,
  SB_ERR_DUPLICATE_KEY: (first: string, key: string) =>
    `A list rendered from the template starting "${first}" has the key ${key} more than once; keys must be unique within one list. Use an id that identifies each entry.`,
  SB_ERR_MERGE_DIFF: (detail: string) =>
    `A diff could not be merged into the client tree: ${detail}. The client and server disagree about the rendered tree; rejoin the view to start from a full render.`,
} as const;

export type ErrorCode = keyof typeof codes;

/** Every error Switchboard raises on purpose carries one of the registry's codes. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SwitchboardError";
    this.code = code;
  }
}

type Args<C extends ErrorCode> = Parameters<(typeof codes)[C]>;

/** Builds the error for `code` with the registry's message. */
export function sbError<C extends ErrorCode>(code: C, ...args: Args<C>): SwitchboardError {
  const build = codes[code] as (...a: Args<C>) => string;
  return new SwitchboardError(code, `${code}: ${build(...args)}`);
}

export const errorCodes = Object.keys(codes) as ErrorCode[];

/** A short description of a value for error messages, never its full contents. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return `a function (${value.name || "anonymous"})`;
  if (typeof value === "symbol") return `a symbol (${value.toString()})`;
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `an object of class ${name}` : "a plain object";
  }
  return `${typeof value} ${JSON.stringify(value)}`;
}
