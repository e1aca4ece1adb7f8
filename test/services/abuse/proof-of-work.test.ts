/**
 * The proof-of-work check's pressure and price (src/services/abuse/proof-of-work.ts, issue 20
 * item 5), over a real gate and a frozen clock: asked from half a full queue, kept on while
 * sign-ins are turned away, remembered as a peak that halves every 10 s once the queue drains
 * and they stop, priced from 1,000 to 4,000 iterations.
 * Through the real server: test/http/proof-of-work.security.test.ts.
 */
import { describe, expect, it } from "vitest";
import { frozenClock } from "../../../src/core/clock.js";
import { createHashGate } from "../../../src/services/abuse/hash-gate.js";
import {
  MAX_COST,
  MIN_COST,
  PRESSURE_HALF_LIFE_MS,
  TURNED_AWAY_WINDOW_MS,
  costAt,
  createProofOfWork,
  proofOfWorkKey,
} from "../../../src/services/abuse/proof-of-work.js";
import { createMemoryChallengeStore } from "../../../src/store/challenges/index.js";

describe("the proof of work's pressure", () => {
  it("is asked from a half-full queue, and for a while after it drains", async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 4 });
    const clock = frozenClock(Date.UTC(2026, 10, 28, 12));
    const proofOfWork = createProofOfWork({
      gate,
      clock,
      store: createMemoryChallengeStore(),
      key: proofOfWorkKey("a secret of at least thirty-two bytes"),
    });
    expect(await proofOfWork.laneFor(null)).toBe("default");

    let release!: () => void;
    const held = gate.run("default", () => new Promise<void>((resolve) => (release = resolve)));
    const waiting = [gate.run("default", async () => undefined)];
    // One of four waiting: below the threshold.
    expect(await proofOfWork.laneFor(null)).toBe("default");
    waiting.push(gate.run("default", async () => undefined));
    await expect(proofOfWork.laneFor(null)).rejects.toMatchObject({
      code: "proof_of_work_required",
      extra: { challenge: { parameters: { cost: MIN_COST } } },
    });

    // The queue full: the highest price.
    waiting.push(gate.run("proven", async () => undefined));
    waiting.push(gate.run("trusted", async () => undefined));
    await expect(proofOfWork.laneFor(null)).rejects.toMatchObject({
      extra: { challenge: { parameters: { cost: MAX_COST } } },
    });

    release();
    await Promise.all([held, ...waiting]);
    expect(gate.pressure).toBe(0);
    // The peak (1) is remembered: asked until it halved to the threshold (0.5), 10 s later.
    clock.advance(PRESSURE_HALF_LIFE_MS - 1);
    await expect(proofOfWork.laneFor(null)).rejects.toMatchObject({
      code: "proof_of_work_required",
    });
    clock.advance(2);
    expect(proofOfWork.pressure).toBeLessThan(0.5);
    expect(await proofOfWork.laneFor(null)).toBe("default");
  });

  it("stays on while sign-ins keep being turned away, and goes off once they stop", async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 4 });
    const clock = frozenClock(Date.UTC(2026, 10, 28, 12));
    const proofOfWork = createProofOfWork({
      gate,
      clock,
      store: createMemoryChallengeStore(),
      key: proofOfWorkKey("a secret of at least thirty-two bytes"),
    });
    let release!: () => void;
    const held = gate.run("default", () => new Promise<void>((resolve) => (release = resolve)));
    const waiting = Array.from({ length: 4 }, () => gate.run("default", async () => undefined));
    await expect(proofOfWork.laneFor(null)).rejects.toMatchObject({
      code: "proof_of_work_required",
    });
    release();
    await Promise.all([held, ...waiting]);
    // The queue drained (they were turned away), but 4 a second keep knocking: 60 s later, on.
    for (let second = 0; second < 60; second += 1) {
      clock.advance(1_000);
      for (let i = 0; i < 4; i += 1) {
        await expect(proofOfWork.laneFor(null)).rejects.toMatchObject({
          code: "proof_of_work_required",
        });
      }
    }
    // They stop: off once the last windows are past and the peak halved.
    clock.advance(2 * TURNED_AWAY_WINDOW_MS + PRESSURE_HALF_LIFE_MS);
    expect(await proofOfWork.laneFor(null)).toBe("default");
  });

  it("is priced from MIN_COST at the threshold to MAX_COST with the queue full", () => {
    expect(costAt(0.5)).toBe(MIN_COST);
    expect(costAt(0.75)).toBe((MIN_COST + MAX_COST) / 2);
    expect(costAt(1)).toBe(MAX_COST);
    expect(MAX_COST).toBe(4 * MIN_COST);
  });

  it("derives one key per secret", () => {
    const key = proofOfWorkKey("a secret of at least thirty-two bytes");
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(proofOfWorkKey("a secret of at least thirty-two bytes")).toBe(key);
    expect(proofOfWorkKey("another secret of thirty-two bytes")).not.toBe(key);
  });
});
