// Builds the browser client once before the test run, as `npm start` does before serving.

import { buildClient } from "../client/build.ts";

export default async function setup(): Promise<void> {
  await buildClient();
}
