/**
 * Issue 20 item 5 through the real server: while the hashing gate is saturated, a sign-in
 * without a device cookie gets 429 `proof_of_work_required` with a signed challenge; with its
 * solution it is served before the queue; a solution is accepted once (on one instance and
 * across two over one Redis); an expired, re-priced or foreign challenge is refused; nothing is
 * asked while the gate has room, nor of a device-cookie holder.
 *
 * The gate is saturated by the test itself, through the server's own gate (one slot, a queue of
 * two): a task holds the slot and two wait, until the test lets them go.
 */
import { createChallenge, solveChallenge, type Challenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/pbkdf2";
import { afterEach, describe, expect, it } from "vitest";
import { createHashGate, type HashGate } from "../../src/services/abuse/hash-gate.js";
import { createChallengeStoreForTest } from "../helpers/challenges.js";
import { redisSkipReason } from "../helpers/redis.js";
import { startTestServer, type TestClient, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

/** Holds every slot and the default lane's whole queue of `gate` (one slot, two queued). */
function saturate(gate: HashGate): { releaseOne(): void; releaseAll(): void } {
  const releases: Array<() => void> = [];
  const hold = () =>
    void gate
      .run("default", () => new Promise<void>((resolve) => releases.push(resolve)))
      .catch(() => undefined);
  for (let i = 0; i < 3; i += 1) hold();
  return {
    // The running holder is the first to have pushed its release; queued ones push when started.
    releaseOne: () => releases.shift()?.(),
    releaseAll: () => {
      while (releases.length > 0) releases.shift()?.();
    },
  };
}

async function solve(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey });
  if (solution === null) throw new Error("no solution");
  return Buffer.from(JSON.stringify({ challenge, solution })).toString("base64");
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function saturatedServer(
  overrides: Parameters<typeof startTestServer>[1] = {},
): Promise<{ server: TestServer; gate: HashGate; held: ReturnType<typeof saturate> }> {
  const gate = createHashGate({ concurrency: 1, maxQueued: 2 });
  const server = await startTestServer("sqlite", {
    ...overrides,
    overrides: { ...overrides.overrides, hashGate: gate },
  });
  cleanups.push(() => server.close());
  const held = saturate(gate);
  cleanups.push(() => held.releaseAll());
  await waitFor(() => gate.active === 1 && gate.queued === 2);
  return { server, gate, held };
}

/** A sign-in that must wait for the held slot: sent, seen queued, then the slot is freed. */
async function signInThroughGate(
  client: TestClient,
  gate: HashGate,
  held: ReturnType<typeof saturate>,
  body: Record<string, unknown>,
) {
  const queuedBefore = gate.queued;
  const answer = client.request("POST", "/login", { json: body });
  await waitFor(() => gate.queued === queuedBefore + 1);
  held.releaseOne();
  return answer;
}

async function askedChallenge(client: TestClient, name: string, password: string) {
  const refused = await client.request("POST", "/login", { json: { name, password } });
  expect(refused.status).toBe(429);
  expect(refused.body).toMatchObject({ status_code: 429, code: "proof_of_work_required" });
  return refused.body.extra.challenge as Challenge;
}

describe("proof of work during a sign-in storm", () => {
  it("asks nothing while the gate has room", async () => {
    const server = await startTestServer("sqlite");
    cleanups.push(() => server.close());
    const user = await server.createUser({});
    const answer = await server.client().request("POST", "/login", {
      json: { name: user.name, password: user.password },
    });
    expect(answer.status).toBe(200);
  });

  it("answers a saturated gate with 429 and a signed, expiring challenge", async () => {
    const { server } = await saturatedServer();
    const user = await server.createUser({});
    const refused = await server.client().request("POST", "/login", {
      json: { name: user.name, password: user.password },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const challenge = refused.body.extra.challenge as Challenge;
    expect(challenge.parameters).toMatchObject({
      algorithm: "PBKDF2/SHA-256",
      cost: 4_000, // the gate is full: the highest price
      data: { expires_at_ms: server.clock() + 60_000 },
    });
    expect(challenge.signature).toMatch(/^[0-9a-f]{64}$/);
    // An unknown name is asked the same: nothing tells whether the account exists.
    const unknown = await server.client().request("POST", "/login", {
      json: { name: "nobody-here", password: "whatever password" },
    });
    expect(unknown.body).toMatchObject({ code: "proof_of_work_required" });
  });

  it("signs a solver in before the queue, once per solution", async () => {
    const { server, gate, held } = await saturatedServer();
    const user = await server.createUser({});
    const client = server.client();
    const proof = await solve(await askedChallenge(client, user.name, user.password));
    const body = { name: user.name, password: user.password, proof_of_work: proof };
    const signedIn = await signInThroughGate(client, gate, held, body);
    expect(signedIn.status).toBe(200);
    // Served in the proven lane: the two held default tasks are still there (one now running).
    expect(gate.active + gate.queued).toBe(2);

    const replayed = await server.client().request("POST", "/login", { json: body });
    expect(replayed.status).toBe(429);
    expect(replayed.body).toMatchObject({ code: "proof_of_work_invalid" });
    expect(replayed.body.extra.challenge.parameters.nonce).not.toBe(
      JSON.parse(Buffer.from(proof, "base64").toString()).challenge.parameters.nonce,
    );
  });

  it("refuses an expired challenge, a re-priced one and one signed by another key", async () => {
    const { server } = await saturatedServer();
    const user = await server.createUser({});
    const client = server.client();
    const refusedWith = async (proof: string) =>
      (
        await client.request("POST", "/login", {
          json: { name: user.name, password: user.password, proof_of_work: proof },
        })
      ).body;

    const expiring = await solve(await askedChallenge(client, user.name, user.password));
    server.clock.advance(60_001);
    expect(await refusedWith(expiring)).toMatchObject({ code: "proof_of_work_invalid" });

    const issued = await askedChallenge(client, user.name, user.password);
    const cheaper = { ...issued, parameters: { ...issued.parameters, cost: 1 } };
    expect(await refusedWith(await solve(cheaper))).toMatchObject({
      code: "proof_of_work_invalid",
    });

    const foreign = await createChallenge({
      algorithm: "PBKDF2/SHA-256",
      cost: 10,
      deriveKey,
      data: { expires_at_ms: server.clock() + 60_000 },
      hmacSignatureSecret: "not the server's key",
    });
    expect(await refusedWith(await solve(foreign))).toMatchObject({
      code: "proof_of_work_invalid",
    });
    expect(await refusedWith("not base64 json")).toMatchObject({ code: "proof_of_work_invalid" });
  });

  it("asks nothing of a browser with a device cookie: it keeps the trusted lane", async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 2 });
    const server = await startTestServer("sqlite", { overrides: { hashGate: gate } });
    cleanups.push(() => server.close());
    const user = await server.createUser({});
    const client = server.client();
    await client.login(user.name, user.password);
    expect(client.cookies.has("tessera_device")).toBe(true);
    const held = saturate(gate);
    cleanups.push(() => held.releaseAll());
    await waitFor(() => gate.active === 1 && gate.queued === 2);
    const answer = await signInThroughGate(client, gate, held, {
      name: user.name,
      password: user.password,
    });
    expect(answer.status).toBe(200);
  });

  it("is off with TESSERA_PROOF_OF_WORK=off: a full gate sheds with 503 as before", async () => {
    const { server } = await saturatedServer({ env: { TESSERA_PROOF_OF_WORK: "off" } });
    const user = await server.createUser({});
    const answer = await server.client().request("POST", "/login", {
      json: { name: user.name, password: user.password },
    });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: "service_unavailable" });
  });
});

const skipReason = await redisSkipReason("the proof of work across instances");

describe.skipIf(skipReason !== null)("proof of work across two instances over one Redis", () => {
  it("accepts a solution on either instance, and only once across both", async () => {
    const challenges = await createChallengeStoreForTest();
    cleanups.push(() => challenges.close());
    const overrides = { overrides: { challengeStore: challenges.store } };
    const a = await saturatedServer(overrides);
    const b = await saturatedServer(overrides);
    const user = await a.server.createUser({});
    const client = a.server.client();

    // A challenge of A is good at B (one key for the deployment)...
    const forB = await solve(await askedChallenge(client, user.name, user.password));
    const atB = await signInThroughGate(b.server.client(), b.gate, b.held, {
      name: user.name, // unknown at B's own database: a wrong password, after the gate
      password: user.password,
      proof_of_work: forB,
    });
    expect(atB.body).toMatchObject({ code: "invalid_credentials" });

    // ...and a solution used at A is refused at B.
    const proof = await solve(await askedChallenge(client, user.name, user.password));
    const body = { name: user.name, password: user.password, proof_of_work: proof };
    expect((await signInThroughGate(client, a.gate, a.held, body)).status).toBe(200);
    const replayed = await b.server.client().request("POST", "/login", { json: body });
    expect(replayed.body).toMatchObject({ code: "proof_of_work_invalid" });
  });
});
