// Parsing the operator's command line: every command, its options, and a clear UsageError for
// each kind of bad argument.

import { describe, expect, test } from "vitest";
import { parseCommand, UsageError } from "../../src/store/operator-command.ts";

describe("parseCommand", () => {
  test("reads each command", () => {
    expect(parseCommand(["release", "12"])).toEqual({ name: "release", productId: 12 });
    expect(parseCommand(["schedule", "3", "2030-01-31T18:00:00Z"])).toEqual({ name: "schedule", productId: 3, releaseAt: new Date("2030-01-31T18:00:00Z") });
    expect(parseCommand(["schedule", "3", "2030-01-31T18:00:00.500+02:00"])).toMatchObject({ releaseAt: new Date("2030-01-31T16:00:00.500Z") });
    expect(parseCommand(["schedule", "3", "none"])).toEqual({ name: "schedule", productId: 3, releaseAt: null });
    expect(parseCommand(["simulate"])).toEqual({ name: "simulate", perTick: 200, tickMs: 250 });
    expect(parseCommand(["simulate", "--per-tick", "5", "--tick-ms=0"])).toEqual({ name: "simulate", perTick: 5, tickMs: 0 });
    expect(parseCommand(["seed"])).toEqual({ name: "seed", options: { released: false }, force: false });
    expect(parseCommand(["seed", "--deterministic", "--products", "50"])).toEqual({ name: "seed", options: { seed: 23, products: 50, released: false }, force: false });
    expect(parseCommand(["seed", "--seed=7", "--released", "--force"])).toEqual({ name: "seed", options: { seed: 7, released: true }, force: true });
  });

  test("help, with or without a command", () => {
    for (const argv of [[], ["--help"], ["-h"], ["help"], ["release", "--help"]]) expect(parseCommand(argv)).toEqual({ name: "help" });
  });

  const bad: [string[], RegExp][] = [
    [["launch"], /unknown command "launch"; expected release, schedule, simulate or seed/],
    [["release"], /release expects <product id>; received nothing/],
    [["release", "1", "2"], /release expects <product id>; received "1" "2"/],
    [["release", "abc"], /a product id is a positive whole number; received "abc"/],
    [["release", "0"], /positive whole number; received "0"/],
    [["release", "99999999999"], /positive whole number/],
    [["release", "--now"], /release takes no option --now/],
    [["schedule", "1"], /schedule expects <product id> <ISO time or none>/],
    [["schedule", "1", "tomorrow"], /must be an ISO 8601 time such as 2030-01-31T18:00:00Z, or none; received "tomorrow"/],
    [["schedule", "1", "2030-02-31T00:00:00Z"], /ISO 8601/],
    [["simulate", "--per-tick"], /--per-tick needs a value/],
    [["simulate", "--per-tick", "0"], /--per-tick must be a whole number of at least 1; received "0"/],
    [["simulate", "--tick-ms", "-5"], /--tick-ms needs a value|--tick-ms must be/],
    [["simulate", "--speed", "2"], /simulate does not take "--speed"; its options are --per-tick, --tick-ms/],
    [["simulate", "fast"], /simulate does not take "fast"/],
    [["seed", "--deterministic=yes"], /--deterministic takes no value/],
    [["seed", "--reset"], /seed does not take "--reset"; its options are --deterministic, --seed, --products, --released, --force/],
    [["seed", "--products", "x"], /--products must be a whole number of at least 1; received "x"/],
  ];
  test.each(bad)("refuses %j", (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});
