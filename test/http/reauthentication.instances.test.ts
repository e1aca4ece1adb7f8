/**
 * Issue 11 across two instances over one PostgreSQL database (LISTEN/NOTIFY as the session
 * channel), one frozen clock: a re-authentication made on A counts on B at once (the check reads
 * the session record, not B's cache), and a second factor enrolled on A lifts B's enrolment gate
 * once the user event arrives (B had the user cached as owing one).
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { frozenClock } from "../../src/core/clock.js";
import { generateTotp } from "../../src/core/totp.js";
import { createUser } from "../../src/services/account/users.js";
import { openTestDatabase, TEST_DIALECTS } from "../helpers/database.js";
import { startInstance, type Instance } from "../helpers/instances.js";
import { createClient, type TestClient } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The same browser talking to A and to B (A's cookie jar, as behind a load balancer). */
function browserOn(a: Instance, b: Instance): { onA: TestClient; onB: TestClient } {
  const onA = createClient(a.url);
  const toB = createClient(b.url);
  const onB: TestClient = {
    ...toB,
    request: (method, path, options = {}) =>
      toB.request(method, path, {
        ...options,
        headers: {
          ...options.headers,
          cookie: [...onA.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
        },
      }),
  };
  return { onA, onB };
}

const postgres = TEST_DIALECTS.includes("postgres");
if (!postgres) console.warn("Skipping the two-instance re-authentication tests: no PostgreSQL");

describe.skipIf(!postgres)("re-authentication and the enrolment gate on two instances", () => {
  async function setUp(env: Record<string, string> = {}) {
    const database = await openTestDatabase("postgres");
    cleanups.push(() => database.cleanup());
    const secret = randomBytes(32).toString("base64url");
    const clock = frozenClock(Date.UTC(2026, 10, 28, 12));
    const a = await startInstance(
      database,
      { TESSERA_JWT_SECRET: secret, ...env },
      cleanups,
      clock,
    );
    const b = await startInstance(
      database,
      { TESSERA_JWT_SECRET: secret, ...env },
      cleanups,
      clock,
    );
    const password = "a long enough passphrase";
    const user = await createUser(a.tessera.ctx, null, {
      name: `u${randomBytes(4).toString("hex")}`,
      email: `u${randomBytes(4).toString("hex")}@example.org`,
      password,
      isAdmin: true,
      mustChangePassword: false,
    });
    const { onA, onB } = browserOn(a, b);
    await onA.login(user.name, password);
    return { a, b, clock, user, password, onA, onB };
  }

  it("a re-authentication on A counts on B at once", async () => {
    const { clock, user, password, onA, onB } = await setUp();
    // B has the session cached.
    expect((await onB.request("GET", "/me")).status).toBe(200);
    clock.advance(11 * 60_000);
    const setup = () => onB.request("POST", `/users/${user.id}/2fa/totp/setup`, { json: {} });
    expect((await setup()).body.code).toBe("reauthentication_required");
    const again = await onA.request("POST", "/reauthenticate", { json: { password } });
    expect(again.status).toBe(200);
    // No waiting: B reads the record.
    expect((await setup()).status).toBe(200);
  });

  it("a factor enrolled on A lifts B's enrolment gate when the user event arrives", async () => {
    const { clock, user, onA, onB } = await setUp({ TESSERA_REQUIRE_2FA: "admins" });
    // B caches the user as owing a second factor.
    expect((await onB.request("GET", "/users")).body.code).toBe("two_fa_enrolment_required");
    const setup = await onA.request("POST", `/users/${user.id}/2fa/totp/setup`, { json: {} });
    const confirm = await onA.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
      json: { code: generateTotp(setup.body.secret, { clock }) },
    });
    expect(confirm.status).toBe(200);
    const delay = await waitFor(async () => (await onB.request("GET", "/users")).status === 200, {
      pollMs: 10,
    });
    console.info(`enrolment gate lifted on the other instance after ${delay.toFixed(1)} ms`);
  });
});
