// In-process PubSub: subscribe, unsubscribe, broadcast, broadcast-from, counts, and a failing
// subscriber that cannot stop delivery to the others.

import { describe, expect, test } from "vitest";
import { PubSub, type Message, type Subscriber } from "../../src/switchboard/pubsub.ts";

function recorder(): Subscriber & { got: Message[] } {
  const got: Message[] = [];
  return { got, deliver: (message) => void got.push(message) };
}

describe("PubSub", () => {
  test("broadcast reaches every subscriber of the topic, and only of that topic", () => {
    const pubsub = new PubSub();
    const a = recorder();
    const b = recorder();
    const other = recorder();
    pubsub.subscribe("room:1", a);
    pubsub.subscribe("room:1", b);
    pubsub.subscribe("room:2", other);
    pubsub.broadcast("room:1", "new_msg", { body: "hi" });
    expect(a.got).toEqual([{ topic: "room:1", event: "new_msg", payload: { body: "hi" } }]);
    expect(b.got).toEqual(a.got);
    expect(other.got).toEqual([]);
  });

  test("every subscriber receives the same message object", () => {
    const pubsub = new PubSub();
    const a = recorder();
    const b = recorder();
    pubsub.subscribe("t", a);
    pubsub.subscribe("t", b);
    pubsub.broadcast("t", "e", {});
    expect(a.got[0]).toBe(b.got[0]);
  });

  test("broadcast to a topic nobody subscribes to does nothing", () => {
    expect(() => new PubSub().broadcast("nobody", "e", {})).not.toThrow();
  });

  test("broadcastFrom skips the sender and reaches the others", () => {
    const pubsub = new PubSub();
    const sender = recorder();
    const other = recorder();
    pubsub.subscribe("t", sender);
    pubsub.subscribe("t", other);
    pubsub.broadcastFrom(sender, "t", "e", { n: 1 });
    expect(sender.got).toEqual([]);
    expect(other.got).toEqual([{ topic: "t", event: "e", payload: { n: 1 } }]);
  });

  test("subscribing twice delivers once", () => {
    const pubsub = new PubSub();
    const a = recorder();
    pubsub.subscribe("t", a);
    pubsub.subscribe("t", a);
    pubsub.broadcast("t", "e", {});
    expect(a.got).toHaveLength(1);
    expect(pubsub.subscriberCount("t")).toBe(1);
  });

  test("after unsubscribe nothing is delivered, and unsubscribing again is harmless", () => {
    const pubsub = new PubSub();
    const a = recorder();
    const b = recorder();
    pubsub.subscribe("t", a);
    pubsub.subscribe("t", b);
    pubsub.unsubscribe("t", a);
    pubsub.unsubscribe("t", a);
    pubsub.unsubscribe("never", a);
    pubsub.broadcast("t", "e", {});
    expect(a.got).toEqual([]);
    expect(b.got).toHaveLength(1);
  });

  test("a subscriber that throws does not stop delivery to the others, and is reported", () => {
    const errors: [unknown, Message][] = [];
    const pubsub = new PubSub({ onError: (error, message) => errors.push([error, message]) });
    const boom = new Error("subscriber failed");
    const before = recorder();
    const after = recorder();
    pubsub.subscribe("t", before);
    pubsub.subscribe("t", { deliver: () => { throw boom; } });
    pubsub.subscribe("t", after);
    expect(() => pubsub.broadcast("t", "e", { x: 1 })).not.toThrow();
    expect(before.got).toHaveLength(1);
    expect(after.got).toHaveLength(1);
    expect(errors).toEqual([[boom, { topic: "t", event: "e", payload: { x: 1 } }]]);
  });

  test("a subscriber that unsubscribes itself while being delivered to does not disturb the loop", () => {
    const pubsub = new PubSub();
    const later = recorder();
    const selfRemoving: Subscriber = { deliver: () => pubsub.unsubscribe("t", selfRemoving) };
    pubsub.subscribe("t", selfRemoving);
    pubsub.subscribe("t", later);
    pubsub.broadcast("t", "e", {});
    expect(later.got).toHaveLength(1);
    expect(pubsub.subscriberCount("t")).toBe(1);
  });

  test("counts subscribers per topic and in total, back to zero after unsubscribing", () => {
    const pubsub = new PubSub();
    const subs = Array.from({ length: 5 }, recorder);
    subs.forEach((s, i) => pubsub.subscribe(i < 3 ? "a" : "b", s));
    pubsub.subscribe("b", subs[0]!);
    expect(pubsub.subscriberCount("a")).toBe(3);
    expect(pubsub.subscriberCount("b")).toBe(3);
    expect(pubsub.subscriberCount("none")).toBe(0);
    expect(pubsub.subscriberCount()).toBe(6);
    subs.forEach((s, i) => pubsub.unsubscribe(i < 3 ? "a" : "b", s));
    pubsub.unsubscribe("b", subs[0]!);
    expect(pubsub.subscriberCount()).toBe(0);
  });

  test.each(["", undefined, 5])("subscribing to a topic that is not a non-empty string (%j) throws a TypeError", (topic) => {
    expect(() => new PubSub().subscribe(topic as string, recorder())).toThrow(TypeError);
  });

  test("deliverLocal hands a message to local subscribers except the one given", () => {
    const pubsub = new PubSub();
    const a = recorder();
    const b = recorder();
    pubsub.subscribe("t", a);
    pubsub.subscribe("t", b);
    const message = { topic: "t", event: "remote", payload: 1 };
    pubsub.deliverLocal(message, b);
    expect(a.got).toEqual([message]);
    expect(b.got).toEqual([]);
  });
});
