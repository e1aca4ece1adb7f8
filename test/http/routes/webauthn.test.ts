/**
 * Passkeys through the real server, with the software authenticator, on SQLite and on
 * PostgreSQL (+ Redis): registration, second factor, passwordless, and every check.
 */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../../src/http/app.js";
import { createTessera } from "../../../src/runtime.js";
import { createChallengeStoreForTest } from "../../helpers/challenges.js";
import { listAuditEvents } from "../../../src/store/index.js";
import { TEST_DIALECTS } from "../../helpers/database.js";
import {
  startTestServer,
  TEST_ORIGIN,
  type TestClient,
  type TestServer,
} from "../../helpers/server.js";
import {
  passkeyRegistrationPath,
  registerPasskey,
  startPasskeyRegistration,
  type RegisteredPasskey,
  type RegisterPasskeyOptions,
} from "../../helpers/passkeys.js";
import { describeServer } from "../../helpers/routes.js";

/** A signed-in user of `server` with one registered passkey (registration options optional). */
async function signedInWithPasskey(
  server: TestServer,
  options: RegisterPasskeyOptions = {},
): Promise<
  RegisteredPasskey & { user: Awaited<ReturnType<TestServer["createUser"]>>; client: TestClient }
> {
  const user = await server.createUser({});
  const client = server.client();
  await client.login(user.name, user.password);
  return { user, client, ...(await registerPasskey(client, user.id, options)) };
}

describeServer("passkeys", (server) => {
  const userWithPasskey = () => signedInWithPasskey(server);

  it("registers a passkey with the options the issue asks for and lists it", async () => {
    const { user, client, credentialId } = await userWithPasskey();
    const list = await client.request("GET", `/users/${user.id}/2fa/webauthn`);
    expect(list.body).toEqual([
      expect.objectContaining({
        id: credentialId,
        name: "Test key",
        last_used_at: null,
        backed_up: false,
      }),
    ]);
    const { options: next } = await startPasskeyRegistration(client, user.id);
    expect(next.attestation).toBe("none");
    expect(next.authenticatorSelection).toMatchObject({
      residentKey: "preferred",
      userVerification: "preferred",
    });
    expect(next.excludeCredentials).toEqual([expect.objectContaining({ id: credentialId })]);
  });

  it("registers for the signed-in user only, not even an admin for someone else", async () => {
    const admin = await server.createUser({ isAdmin: true });
    const user = await server.createUser({});
    const client = server.client();
    await client.login(admin.name, admin.password);
    expect(
      (await client.request("POST", passkeyRegistrationPath(user.id, "options"), { json: {} }))
        .status,
    ).toBe(403);
  });

  it("uses a registration challenge once and not after 5 minutes", async () => {
    const user = await server.createUser({});
    const client = server.client();
    await client.login(user.name, user.password);
    const first = await startPasskeyRegistration(client, user.id);
    const response = first.attest();
    expect((await first.verify(response)).status).toBe(200);
    const replay = await first.verify(response);
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe("webauthn_challenge_invalid");

    const late = await startPasskeyRegistration(client, user.id);
    server.clock.advance(5 * 60_000 + 1_000);
    const expired = await late.verify(late.attest());
    expect(expired.body.code).toBe("webauthn_challenge_invalid");
  });

  it("refuses a wrong origin, a wrong RP ID and a missing user presence", async () => {
    const user = await server.createUser({});
    const client = server.client();
    await client.login(user.name, user.password);
    for (const overrides of [
      { origin: "https://evil.example" },
      { origin: TEST_ORIGIN, rpId: "evil.example" },
      { origin: TEST_ORIGIN, flags: { up: false } },
    ]) {
      const ceremony = await startPasskeyRegistration(client, user.id);
      const result = await ceremony.verify(ceremony.attest(overrides));
      expect(result.status, JSON.stringify(overrides)).toBe(400);
      expect(result.body.code).toBe("webauthn_verification_failed");
    }
  });

  it("asks for the passkey after the password and signs in with its assertion, once", async () => {
    const { user, authenticator, credentialId } = await userWithPasskey();
    const client = server.client();
    const needs = await client.request("POST", "/login", {
      json: { name: user.name, password: user.password },
    });
    expect(needs.status).toBe(403);
    expect(needs.body.extra).toMatchObject({
      user_id: user.id,
      totp_supported: false,
      webauthn_supported: true,
    });
    const options = needs.body.extra.webauthn_options;
    expect(options.allowCredentials).toEqual([expect.objectContaining({ id: credentialId })]);
    const assertion = authenticator.createAssertion(options, { origin: TEST_ORIGIN });
    const body = { name: user.name, password: user.password, webauthn_response: assertion };
    const ok = await client.request("POST", "/login", { json: body });
    expect(ok.status).toBe(200);
    expect(client.cookies.has("token")).toBe(true);
    const replay = await server.client().request("POST", "/login", { json: body });
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe("webauthn_challenge_invalid");
  });

  it("refuses another user's passkey as a second factor", async () => {
    const alice = await userWithPasskey();
    const bob = await userWithPasskey();
    const needs = await server.client().request("POST", "/login", {
      json: { name: alice.user.name, password: alice.user.password },
    });
    const options = { ...needs.body.extra.webauthn_options, allowCredentials: [] };
    const assertion = bob.authenticator.createAssertion(options, {
      origin: TEST_ORIGIN,
      credentialId: bob.credentialId,
    });
    const result = await server.client().request("POST", "/login", {
      json: { name: alice.user.name, password: alice.user.password, webauthn_response: assertion },
    });
    expect(result.status).toBe(400);
    expect(result.body.code).toBe("invalid_two_fa_code");
  });

  it("signs in passwordless with a discoverable passkey and requires user verification", async () => {
    const { user, authenticator } = await userWithPasskey();
    const client = server.client();
    const options = await client.request("POST", "/login/passkey/options", { json: {} });
    expect(options.body.allowCredentials ?? []).toEqual([]);
    expect(options.body.userVerification).toBe("required");
    const noUv = authenticator.createAssertion(options.body, {
      origin: TEST_ORIGIN,
      flags: { uv: false },
    });
    const refused = await client.request("POST", "/login/passkey", {
      json: { webauthn_response: noUv },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe("webauthn_verification_failed");

    const again = await client.request("POST", "/login/passkey/options", { json: {} });
    const assertion = authenticator.createAssertion(again.body, { origin: TEST_ORIGIN });
    const ok = await client.request("POST", "/login/passkey", {
      json: { webauthn_response: assertion },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: user.id });
    expect((await client.request("GET", "/me")).body.id).toBe(user.id);
    const list = await client.request("GET", `/users/${user.id}/2fa/webauthn`);
    expect(list.body[0].last_used_at).not.toBeNull();
  });

  it("refuses a signature counter that does not increase and audits a possible clone", async () => {
    const { user, authenticator } = await userWithPasskey();
    const client = server.client();
    const first = await client.request("POST", "/login/passkey/options", { json: {} });
    const ok = authenticator.createAssertion(first.body, { origin: TEST_ORIGIN, counter: 5 });
    expect(
      (await client.request("POST", "/login/passkey", { json: { webauthn_response: ok } })).status,
    ).toBe(200);
    for (const counter of [5, 3]) {
      const options = await client.request("POST", "/login/passkey/options", { json: {} });
      const cloned = authenticator.createAssertion(options.body, { origin: TEST_ORIGIN, counter });
      const result = await client.request("POST", "/login/passkey", {
        json: { webauthn_response: cloned },
      });
      expect(result.status).toBe(400);
      expect(result.body.code).toBe("webauthn_counter_error");
    }
    const events = await listAuditEvents(server.app.tessera.db, {
      userId: user.id,
      event: "webauthn_counter_error",
    });
    expect(events).toHaveLength(2);
  });

  it("answers malformed and truncated responses with 400 and a clear code, never 500", async () => {
    const { user, client, authenticator } = await userWithPasskey();
    const options = await client.request("POST", "/login/passkey/options", { json: {} });
    const good = authenticator.createAssertion(options.body, { origin: TEST_ORIGIN });
    const truncated = {
      ...good,
      response: {
        ...good.response,
        authenticatorData: good.response.authenticatorData.slice(0, 20),
      },
    };
    const badClientData = { ...good, response: { ...good.response, clientDataJSON: "e30" } };
    for (const webauthn_response of [
      {},
      { id: 5 },
      { id: "x", response: "nope" },
      truncated,
      badClientData,
    ]) {
      const result = await server
        .client()
        .request("POST", "/login/passkey", { json: { webauthn_response } });
      expect(result.status, JSON.stringify(webauthn_response).slice(0, 80)).toBe(400);
      expect(result.body.code).toMatch(/^webauthn_/);
    }
    const register = await client.request("POST", passkeyRegistrationPath(user.id, "verify"), {
      json: { response: { id: "abc", response: {} }, name: "k" },
    });
    expect(register.status).toBe(400);
    expect(register.body.code).toMatch(/^webauthn_/);
  });

  it("renames and removes a passkey with a long credential id", async () => {
    const { user, client, credentialId } = await signedInWithPasskey(server, {
      credentialIdBytes: 200,
    });
    expect(credentialId.length).toBeGreaterThan(260);
    const path = `/users/${user.id}/2fa/webauthn/${credentialId}`;
    expect((await client.request("PATCH", path, { json: { name: "still long" } })).status).toBe(
      200,
    );
    expect((await client.request("DELETE", path)).status).toBe(200);
  });

  it("refuses a passwordless assertion without a user handle", async () => {
    const { authenticator } = await userWithPasskey();
    const options = await server.client().request("POST", "/login/passkey/options", { json: {} });
    const assertion = authenticator.createAssertion(options.body, {
      origin: TEST_ORIGIN,
      userHandle: null,
    });
    const result = await server
      .client()
      .request("POST", "/login/passkey", { json: { webauthn_response: assertion } });
    expect(result.status).toBe(400);
    expect(result.body.code).toBe("webauthn_verification_failed");
  });

  it("renames and removes passkeys: the user, or an admin (audited)", async () => {
    const { user, client, credentialId } = await userWithPasskey();
    const renamed = await client.request(
      "PATCH",
      `/users/${user.id}/2fa/webauthn/${credentialId}`,
      {
        json: { name: "Laptop" },
      },
    );
    expect(renamed.body.name).toBe("Laptop");
    const admin = await server.createUser({ isAdmin: true });
    const asAdmin = server.client();
    await asAdmin.login(admin.name, admin.password);
    expect(
      (await asAdmin.request("DELETE", `/users/${user.id}/2fa/webauthn/${credentialId}`)).status,
    ).toBe(200);
    expect((await client.request("GET", `/users/${user.id}/2fa/webauthn`)).body).toEqual([]);
    expect(
      (await asAdmin.request("DELETE", `/users/${user.id}/2fa/webauthn/${credentialId}`)).status,
    ).toBe(404);
    const events = await listAuditEvents(server.app.tessera.db, {
      userId: user.id,
      event: "passkey_removed",
    });
    expect(events[0]?.detail).toMatchObject({ by: admin.id });
    // Without passkeys the password alone signs in again.
    await server.client().login(user.name, user.password);
  });
});

describe("passwordless throttling", () => {
  it("counts forged assertions against the sender's address, not against the named passkey", async () => {
    const server = await startTestServer("sqlite", {
      env: { TESSERA_TRUSTED_PROXIES: "127.0.0.1" },
    });
    try {
      const { authenticator } = await signedInWithPasskey(server);
      const wrongKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
      const attacker = { "x-forwarded-for": "198.51.100.7" };
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const options = await server
          .client()
          .request("POST", "/login/passkey/options", { json: {}, headers: attacker });
        if (options.status !== 200) {
          statuses.push(options.status);
          continue;
        }
        const forged = authenticator.createAssertion(options.body, {
          origin: TEST_ORIGIN,
          signingKey: wrongKey,
        });
        const result = await server.client().request("POST", "/login/passkey", {
          json: { webauthn_response: forged },
          headers: attacker,
        });
        statuses.push(result.status);
      }
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
      const victim = { "x-forwarded-for": "203.0.113.9" };
      const options = await server
        .client()
        .request("POST", "/login/passkey/options", { json: {}, headers: victim });
      const own = authenticator.createAssertion(options.body, { origin: TEST_ORIGIN });
      const result = await server
        .client()
        .request("POST", "/login/passkey", { json: { webauthn_response: own }, headers: victim });
      expect(result.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe("passkey challenges across instances", () => {
  it("accepts an answer on a second instance when the options came from the first (PostgreSQL + Redis)", async (context) => {
    if (!TEST_DIALECTS.includes("postgres")) {
      context.skip("PostgreSQL is not reachable (outside CI)");
      return;
    }
    const shared = await createChallengeStoreForTest();
    const first = await startTestServer("postgres", {
      overrides: { challengeStore: shared.store },
    });
    const secondParts = await createTessera(first.config, {
      database: first.tessera.database,
      challengeStore: shared.store,
      clock: first.clock,
    });
    const second = await buildApp(secondParts, { logger: false, closeTessera: true });
    try {
      const user = await first.createUser({});
      const client = first.client();
      await client.login(user.name, user.password);
      const ceremony = await startPasskeyRegistration(client, user.id);
      const answered = await second.inject({
        method: "POST",
        url: passkeyRegistrationPath(user.id, "verify"),
        headers: { cookie: `token=${client.cookies.get("token")}`, origin: TEST_ORIGIN },
        payload: { response: ceremony.attest(), name: "k" },
      });
      expect(answered.statusCode).toBe(200);
    } finally {
      await second.close();
      await first.close();
      await shared.close();
    }
  });
});
