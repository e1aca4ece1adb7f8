/**
 * `npm run bench:recovery`: what recovery codes cost on this machine, with the default Argon2id
 * parameters (m=19456 KiB, t=2, p=1):
 * 1. making a set: 10 hashes one after the other (the renewal runs them in one slot of the
 *    hashing gate), milliseconds per set;
 * 2. a sign-in's check: one verify of the row the index picks (right and wrong secret) and the
 *    dummy verify of an unknown or used index, milliseconds each: the three should match, and a
 *    sign-in with a code costs the password's verify plus one of these.
 * Never run it beside a test run: it measures the whole machine.
 */
import { performance } from "node:perf_hooks";
import {
  DEFAULT_ARGON2_OPTIONS,
  hashPassword,
  prepareDummyPasswordHash,
  verifyPassword,
  verifyPasswordDummy,
} from "../src/core/password.js";
import { generateRecoveryCodes, RECOVERY_CODE_SECRET_BITS } from "../src/core/recovery-codes.js";

const SETS = 5;
const VERIFIES = 40;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const options = DEFAULT_ARGON2_OPTIONS;
  console.log(
    `Argon2id m=${options.memoryKib} KiB t=${options.iterations} p=${options.parallelism}; secret ${RECOVERY_CODE_SECRET_BITS} bits`,
  );
  const setMs: number[] = [];
  let sample = generateRecoveryCodes();
  let hashes: string[] = [];
  for (let i = 0; i < SETS; i += 1) {
    sample = generateRecoveryCodes();
    setMs.push(
      await timeMs(async () => {
        hashes = [];
        for (const code of sample) hashes.push(await hashPassword(code.secret, options));
      }),
    );
  }
  console.log(`make a set of ${sample.length}: ${median(setMs).toFixed(0)} ms (median of ${SETS})`);

  await prepareDummyPasswordHash(options);
  const right: number[] = [];
  const wrong: number[] = [];
  const dummy: number[] = [];
  const [first] = sample;
  const hash = hashes[0]!;
  for (let i = 0; i < VERIFIES; i += 1) {
    right.push(await timeMs(() => verifyPassword(hash, first!.secret)));
    wrong.push(await timeMs(() => verifyPassword(hash, "0000000000000000")));
    dummy.push(await timeMs(() => verifyPasswordDummy(first!.secret, options)));
  }
  console.log(`verify, right secret: ${median(right).toFixed(1)} ms`);
  console.log(`verify, wrong secret: ${median(wrong).toFixed(1)} ms`);
  console.log(`dummy verify (unknown or used index): ${median(dummy).toFixed(1)} ms`);
}

await main();
