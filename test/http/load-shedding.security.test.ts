/**
 * Issue 14 item 3 through the real server: past the hashing gate's bound, sign-ins get 503
 * `service_unavailable` with Retry-After at once (never a 500, never an unbounded queue), and a
 * shed sign-in does not count as a failure. Real Argon2 parameters (the defaults), a gate of one
 * slot and a queue of two, and 60 sign-ins released together on connections opened beforehand.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createHashGate } from "../../src/services/abuse/hash-gate.js";
import { countStatuses, raceRequests } from "../helpers/parallel.js";
import { TEST_ORIGIN, startTestServer, type TestServer } from "../helpers/server.js";

describe("load shedding of sign-ins", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("answers 503 with Retry-After past the bound, and a shed sign-in is not a failure", async () => {
    server = await startTestServer("sqlite", {
      env: {
        // The real cost of a hash, so 60 at once cannot all fit through one slot.
        TESSERA_ARGON2_MEMORY_KIB: "19456",
        TESSERA_ARGON2_ITERATIONS: "2",
        TESSERA_LOGIN_ADDRESS_MAX_FAILURES: "1000",
        // The gate's own shedding; with the proof of work on, sign-ins past half the queue are
        // asked for one instead (test/http/proof-of-work.security.test.ts).
        TESSERA_PROOF_OF_WORK: "off",
      },
      overrides: { hashGate: createHashGate({ concurrency: 1, maxQueued: 2 }) },
    });
    const user = await server.createUser({});
    const answers = await raceRequests(
      server.baseUrl,
      Array.from({ length: 60 }, (_, i) => ({
        method: "POST",
        path: "/login",
        headers: { origin: TEST_ORIGIN },
        // Distinct names: only the gate can refuse them (no account lock).
        body: { name: i === 0 ? user.name : `nobody-${i}`, password: "wrong password" },
      })),
    );
    const counts = countStatuses(answers);
    console.log(`load shedding: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(["400", "503"]);
    // One running and two queued at most when the burst arrived; the rest were shed.
    expect(counts[503]).toBeGreaterThan(30);
    for (const answer of answers.filter((a) => a.status === 503)) {
      expect(answer.body).toMatchObject({ code: "service_unavailable" });
      expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
    }
    // The user's own sign-in works afterwards: shed attempts were given back.
    expect((await server.client().login(user.name, user.password)).status).toBe(200);
  });
});
