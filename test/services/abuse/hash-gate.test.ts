/** The hashing gate (src/services/abuse/hash-gate.ts, issue 14 item 3): bounded, three lanes, sheds. */
import { describe, expect, it } from "vitest";
import { createHashGate } from "../../../src/services/abuse/hash-gate.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("createHashGate", () => {
  it("runs at most `concurrency` at once, queues up to `maxQueued` per lane, and sheds the rest", async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 2 });
    const blocker = deferred();
    const order: string[] = [];
    const first = gate.run("default", async () => {
      await blocker.promise;
      order.push("first");
    });
    const queued = [
      gate.run("default", async () => void order.push("default-1")),
      gate.run("default", async () => void order.push("default-2")),
    ];
    await expect(gate.run("default", async () => undefined)).rejects.toMatchObject({
      code: "service_unavailable",
    });
    // The trusted lane has room of its own and goes first.
    const trusted = gate.run("trusted", async () => void order.push("trusted"));
    expect(gate.active).toBe(1);
    expect(gate.queued).toBe(3);
    blocker.resolve();
    await Promise.all([first, ...queued, trusted]);
    expect(order).toEqual(["first", "trusted", "default-1", "default-2"]);
    expect(gate.active).toBe(0);
  });

  it("serves the proven lane after the trusted one and before the default one", async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 2 });
    const blocker = deferred();
    const order: string[] = [];
    const first = gate.run("default", () => blocker.promise);
    const queued = [
      gate.run("default", async () => void order.push("default")),
      gate.run("proven", async () => void order.push("proven")),
      gate.run("trusted", async () => void order.push("trusted")),
    ];
    blocker.resolve();
    await Promise.all([first, ...queued]);
    expect(order).toEqual(["trusted", "proven", "default"]);
  });

  it("measures its pressure: 0 while a slot is free, the queue's fill once all are busy", async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 4 });
    expect(gate.pressure).toBe(0);
    const blocker = deferred();
    const running = [gate.run("default", () => blocker.promise)];
    expect(gate.pressure).toBe(0);
    running.push(gate.run("default", async () => undefined));
    expect(gate.pressure).toBe(0.25);
    running.push(gate.run("proven", async () => undefined));
    running.push(gate.run("trusted", async () => undefined));
    running.push(gate.run("default", async () => undefined));
    running.push(gate.run("default", async () => undefined));
    expect(gate.pressure).toBe(1);
    blocker.resolve();
    await Promise.all(running);
    expect(gate.pressure).toBe(0);
  });

  it("frees the slot when a task throws", async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 1 });
    await expect(gate.run("default", async () => Promise.reject(new Error("x")))).rejects.toThrow(
      "x",
    );
    expect(await gate.run("default", async () => 42)).toBe(42);
    expect(gate.active).toBe(0);
  });

  it("refuses bounds that are not positive integers", () => {
    expect(() => createHashGate({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createHashGate({ maxQueued: 1.5 })).toThrow(/maxQueued/);
  });
});

describe("assertRoom", () => {
  it("sheds before any work when the lane is full, and only then", async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 1 });
    const blocker = deferred();
    expect(() => gate.assertRoom("default")).not.toThrow();
    const running = gate.run("default", () => blocker.promise);
    const waiting = gate.run("default", async () => undefined);
    expect(() => gate.assertRoom("default")).toThrow(/Too many sign-ins/);
    expect(() => gate.assertRoom("trusted")).not.toThrow();
    blocker.resolve();
    await Promise.all([running, waiting]);
  });
});
