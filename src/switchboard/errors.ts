// The one registry of Switchboard's error codes. Each code has a message builder that says what
// was expected, what was received and how to fix it; docs/errors.md documents every code (a test
// checks that), so a code seen in a log can always be looked up.

const codes = {
  SB_ERR_TEMPLATE_SYNTAX: (first: string, detail: string) =>
    `Template starting "${first}" is not valid markup: ${detail}. Check that every tag is closed in the order it was opened.`,
  SB_ERR_TEMPLATE_DYNAMIC_TAG: (first: string, got: string) =>
    `Template starting "${first}" uses a dynamic tag, which must be a component function; received ${got}. Write the tag name literally, or pass a function that returns html\`...\`.`,
  SB_ERR_TEMPLATE_VOID_CHILDREN: (first: string, tag: string) =>
    `Template starting "${first}" gives children or a closing tag to the void element <${tag}>, which can have neither. Write it as <${tag}> or <${tag} /> with nothing inside, or use another element.`,
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
  SB_ERR_MEMO_KEY: (name: string, key: string) =>
    `The keyed memo component ${name} was shown twice in one view with the key ${key}, rendered from different inputs. A keyed memo travels by its key, so one view may show one rendering of each key: give the two uses different keys or different memo components.`,
  SB_ERR_MEMO_KEY_ROOT: (name: string, why: string) =>
    `The keyed memo component ${name} ${why}. memo(fn, { keyed: true }) must render one element with a key= (its id on the wire) and no stateful component; use memo(fn) without keyed otherwise.`,
  SB_ERR_MERGE_DIFF: (detail: string) =>
    `A diff could not be merged into the client tree: ${detail}. The client and server disagree about the rendered tree; rejoin the view to start from a full render.`,
  SB_ERR_COMPONENT_OUTSIDE_VIEW: (first: string) =>
    `Template starting "${first}" places a stateful component (liveComponent) outside a live view's render. Stateful components live in a view; render a plain function component here instead.`,
  SB_ERR_COMPONENT_ID: (got: string) =>
    `liveComponent() needs props with an id (a string or a number) that is unique for that component within the view; received the id ${got}. Pass { id: ... } in the props.`,
  SB_ERR_RENDER_RESULT: (got: string) =>
    `A live view or component's render() returned ${got}; expected an html template. Return html\`...\` from render().`,
  SB_ERR_SECRET: (got: string) =>
    `The signing secret must be a string of at least 32 characters; received ${got}. Generate one with \`openssl rand -base64 48\` and pass it through configuration.`,
  SB_ERR_SECRET_REQUIRED: () =>
    `In production (NODE_ENV=production) a signing secret must be configured and must not be the development default. Set the secret option (for example from SECRET_KEY_BASE).`,
  SB_ERR_TOKEN_INVALID: (purpose: string, why: string) =>
    `The ${purpose} token is not valid: ${why}. The token was altered, cut short or signed with another secret; load the page again to get a fresh one.`,
  SB_ERR_TOKEN_EXPIRED: (purpose: string, maxAgeMs: number) =>
    `The ${purpose} token is older than its maximum age of ${Math.round(maxAgeMs / 1000)} s. Load the page again to get a fresh one.`,
  SB_ERR_CSRF: (detail: string) =>
    `The CSRF check failed: ${detail}. Send the csrf-token from the page's meta tag along with the session cookie the page set; load the page again if either is stale.`,
  SB_ERR_JOIN_PAYLOAD: (field: string, got: string) =>
    `A live join's payload has ${got} as its ${field}; expected the page's absolute URL, its session token and params with _csrf_token, as the client sends them.`,
  SB_ERR_NO_ROUTE: (path: string) =>
    `No live route matches ${path}. Register the view under that path in liveRoutes, or load the page over HTTP.`,
  SB_ERR_ROUTE: (expected: string, got: string) =>
    `A live route is misconfigured: expected ${expected}; received ${got}. Fix the liveRoutes option.`,
  SB_ERR_OPTION: (name: string, expected: string, got: string) =>
    `The option ${name} must be ${expected}; received ${got}. Fix the options passed to the switchboard plugin.`,
  SB_ERR_CHANNEL_DEFINITION: (expected: string, got: string) =>
    `A channel definition needs ${expected}; received ${got}. Fix the object given to defineChannel().`,
  SB_ERR_VIEW_DEFINITION: (expected: string, got: string) =>
    `A live view or component definition needs ${expected}; received ${got}. Fix the object given to defineLive() or defineComponent().`,
  SB_ERR_UNKNOWN_EVENT: (event: string, target: string) =>
    `No handler for the event ${JSON.stringify(event)} in ${target}. Add it to handleEvent, or check the phx-* attribute that sends it (and its phx-target).`,
  SB_ERR_UNKNOWN_COMPONENT: (cid: number) =>
    `There is no component ${cid} in this view. It was removed by a render since the client last saw it, or the phx-target is wrong.`,
  SB_ERR_NAVIGATION: (got: string) =>
    `Navigation targets must be paths on this site starting with "/"; received ${got}. Use a path such as "/checkout?step=2".`,
  SB_ERR_EVENT_PAYLOAD: (detail: string) =>
    `A live event's payload is malformed: ${detail}. Clients send {type, event, value, cid?} with value an object or a URL-encoded form.`,
  SB_ERR_FRAME_JSON: () =>
    `A message is not valid JSON. Messages are JSON arrays [join_ref, ref, topic, event, payload].`,
  SB_ERR_FRAME_SHAPE: (detail: string) =>
    `A message does not have the shape [join_ref, ref, topic, event, payload]: ${detail}.`,
  SB_ERR_FRAME_TOO_LARGE: (size: number, limit: number) =>
    `A message of ${size} bytes is over the limit of ${limit} bytes; the connection is closed with code 1009. Send smaller messages or raise limits.maxFrameBytes.`,
  SB_ERR_RATE_LIMITED: () =>
    `The connection sends messages faster than its rate limit; extra messages are refused, and a flood closes the connection with code 1008. Slow down or raise limits.rate/limits.burst.`,
  SB_ERR_UNMATCHED_TOPIC: (topic: string) =>
    `No channel matches the topic ${JSON.stringify(topic)}, or it is not joined on this connection. Join it first, or register a channel for it.`,
  SB_ERR_STALE_JOIN: (topic: string) =>
    `A message for ${JSON.stringify(topic)} carries a join_ref that is not the topic's current join. The client should use the join_ref of its latest join.`,
  SB_ERR_ORIGIN: (origin: string) =>
    `The websocket Origin ${origin} is not allowed. Serve the page from the configured host, or add the origin to the origins option.`,
  SB_ERR_CONNECT_REFUSED: () =>
    `The endpoint's connect hook refused the connection (it returned false or threw). Check the connect parameters, such as a signed user token.`,
  SB_ERR_PROTOCOL_VERSION: (got: string) =>
    `The client speaks protocol version ${got}; this server speaks Phoenix Channels 2.0.0 (vsn=2.0.0). Reload the page to get the current client.`,
  SB_ERR_CLIENT_MISSING: (file: string) =>
    `The browser client bundle ${file} does not exist. Build it with npm run build:client (npm start and npm test do so first).`,
  SB_ERR_TEST_SELECTOR: (selector: string, why: string) =>
    `The selector ${JSON.stringify(selector)} is not valid CSS: ${why}. Fix the selector passed to the test harness.`,
  SB_ERR_TEST_ELEMENT: (label: string, count: number) =>
    `Expected exactly one element matching ${label}; found ${count}. Make the selector (or text filter) match one element.`,
  SB_ERR_TEST_BINDING: (label: string, binding: string) =>
    `The element ${label} has no ${binding} attribute, so a browser would send nothing. Add the binding to the template or target another element.`,
  SB_ERR_TEST_FORM_FIELD: (form: string, name: string, names: string) =>
    `The form ${form} has no field named ${JSON.stringify(name)}; its fields are ${names}. A browser cannot send a value for a field the form does not render.`,
  SB_ERR_TEST_NAVIGATION: (expected: string, got: string) =>
    `Expected ${expected}; got ${got}. Check what the view's handler asked for (pushPatch, pushNavigate, redirect).`,
  SB_ERR_TEST_ASSERTION: (expected: string, got: string) =>
    `Expected ${expected}; got ${got}. Check what the handler pushed or replied.`,
  SB_ERR_TEST_TIMEOUT: (what: string, ms: number) =>
    `Timed out after ${ms} ms waiting for ${what}. The view never did it; check the handler, or pass a longer timeout.`,
  SB_ERR_TEST_VIEW_CRASHED: (topic: string, message: string) =>
    `The live view or channel ${topic} crashed on the server: ${message}. The server's stack follows.`,
  SB_ERR_TEST_REFUSED: (what: string, reason: string) =>
    `The server refused ${what}: ${reason}. Fix the request, or assert the refusal.`,
  SB_ERR_CHANNEL_CRASHED: () =>
    `A channel or live view callback threw; that channel ended with phx_error and the client rejoins it. The server log has the error and its stack.`,
  SB_ERR_PUBSUB_PAYLOAD: (topic: string, why: string) =>
    `A broadcast on ${topic} could not be serialised for the other nodes (${why}); it reached this node's subscribers only. Broadcast JSON-serialisable payloads (no cycles, BigInts or functions).`,
  SB_ERR_PUBSUB_ENVELOPE: (adapter: string, sample: string) =>
    `The ${adapter} cluster adapter received a message that is not a Switchboard broadcast envelope ([node, topic, event, payload] as JSON): ${sample}. It was dropped. Check that nothing else publishes on the cluster's channels (give each deployment its own channel prefix).`,
  SB_ERR_PUBSUB_OPTION: (name: string, expected: string, got: string) =>
    `The cluster adapter option ${name} must be ${expected}; received ${got}. Fix the options given to postgresAdapter() or redisAdapter().`,
  SB_ERR_PUBSUB_DROPPED: (adapter: string, count: string, why: string) =>
    `The ${adapter} cluster adapter dropped ${count} broadcast(s) it could not hand to the engine (${why}); they reached this node's subscribers only. Delivery between nodes is at most once; check the link, or raise the adapter's queue bound if bursts are the cause.`,
  SB_ERR_PUBSUB_LINK: (adapter: string, why: string) =>
    `The ${adapter} cluster adapter lost its connection (${why}). This node keeps serving its own subscribers and reconnects with backoff; once back it subscribes again and tells its pages to re-read current state. Check the database or Redis server and its URL.`,
  SB_ERR_PRESENCE_MESSAGE: (event: string, why: string) =>
    `A presence message (${event}) from another node is malformed: ${why}. It was dropped and the local view is unchanged; the sender's full state is asked for at its next heartbeat. Check that every node runs the same Switchboard version, and that nothing else publishes on the cluster's channels.`,
  SB_ERR_PRESENCE_NODE_DOWN: (node: string, silentMs: number) =>
    `The node ${node} has not heartbeated for ${silentMs} ms (expected every second); it is taken as gone and its presences were removed from this node's view. If it is alive it is re-added when it is heard again; check that it is running and linked to the cluster.`,
  SB_ERR_SLOW_CLIENT: (buffered: number, limit: number) =>
    `A client fell ${buffered} bytes behind, over the limit of ${limit} bytes of frames sent and not yet taken; the connection is closed with code 4002 and the client rejoins to current state. Check the client's network, send smaller or fewer diffs, or raise limits.maxBufferedBytes.`,
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
