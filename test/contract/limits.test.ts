/**
 * Every length limit of the wire contract through the real server: a value just over the limit
 * is refused with 400 `validation_error` before any service runs (no row, no audit event), and
 * a value at the limit goes through. The limits come from `src/contract/limits.ts`, the one
 * place every check imports them from.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  MAX_CLIENT_DATA_JSON_LENGTH,
  MAX_CREDENTIAL_ID_BYTES,
  MAX_CREDENTIAL_ID_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PASSKEY_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_RECOVERY_CODE_LENGTH,
  MAX_TOTP_CODE_LENGTH,
  MAX_USER_ID_LENGTH,
  MIN_PASSWORD_LENGTH,
} from "../../src/contract/limits.js";
import { countUsers, listAuditEvents, listWebauthnCredentials } from "../../src/store/index.js";
import { startPasskeyRegistration } from "../helpers/passkeys.js";
import { loginWithCode, userWithCodes } from "../helpers/recovery-codes.js";
import { describeServer } from "../helpers/routes.js";
import type { TestClient, TestResponse } from "../helpers/server.js";
import type { AttestationOverrides } from "../helpers/soft-authenticator.js";

/**
 * A password of exactly `length` characters that the strength policy accepts (a repeated
 * character would be refused as too guessable, which is not what these tests are about).
 */
function strongPassword(length: number): string {
  let password = "";
  for (let i = 0; password.length < length; i++) {
    password += createHash("sha256").update(`limits-${i}`).digest("base64url");
  }
  return password.slice(0, length);
}

function expectValidationError(response: TestResponse): void {
  expect(response.status, response.text).toBe(400);
  expect(response.body.code).toBe("validation_error");
}

/** A string of `length` characters that is a valid name ("n…"). */
const text = (length: number, fill = "n") => fill.repeat(length);
/** An email address of exactly `length` characters (local part 64, the rest a long domain). */
function email(length: number): string {
  const local = "e".repeat(64);
  const domain = "d".repeat(length - local.length - 1 - ".org".length) + ".org";
  return `${local}@${domain}`;
}

describeServer("wire limits", (server) => {
  const db = () => server.app.tessera.db;
  /** Every audit event so far (the count tells whether a request reached a service). */
  const auditCount = async () => (await listAuditEvents(db(), { limit: 1_000 })).length;

  async function signedIn(isAdmin = false): Promise<{ id: string; client: TestClient }> {
    const user = await server.createUser({ isAdmin });
    const client = server.client();
    await client.login(user.name, user.password);
    return { id: user.id, client };
  }

  /** Refuses the request with 400 `validation_error`, and nothing was written. */
  async function expectRefusedBeforeTheStore(send: () => Promise<TestResponse>): Promise<void> {
    const users = await countUsers(db());
    const events = await auditCount();
    expectValidationError(await send());
    expect(await countUsers(db())).toBe(users);
    expect(await auditCount()).toBe(events);
  }

  describe("names and emails", () => {
    it(`creates a user with a name and an email of ${MAX_NAME_LENGTH} characters, not ${MAX_NAME_LENGTH + 1}`, async () => {
      const admin = await signedIn(true);
      const create = (name: string, mail: string) =>
        admin.client.request("POST", "/users/create", {
          json: { name, email: mail, password: "a long enough password" },
        });
      await expectRefusedBeforeTheStore(() =>
        create(text(MAX_NAME_LENGTH + 1), email(MAX_NAME_LENGTH)),
      );
      await expectRefusedBeforeTheStore(() =>
        create(text(MAX_NAME_LENGTH), email(MAX_NAME_LENGTH + 1)),
      );
      const created = await create(text(MAX_NAME_LENGTH), email(MAX_NAME_LENGTH));
      expect(created.status, created.text).toBe(201);
      expect(created.body.name).toHaveLength(MAX_NAME_LENGTH);
      expect(created.body.email).toHaveLength(MAX_NAME_LENGTH);
    });

    it(`refuses a sign-in name of ${MAX_NAME_LENGTH + 1} characters without counting a failure`, async () => {
      const events = await auditCount();
      expectValidationError(
        await server.client().request("POST", "/login", {
          json: { name: text(MAX_NAME_LENGTH + 1), password: "some password" },
        }),
      );
      expect(await auditCount()).toBe(events);
      const atLimit = await server.client().request("POST", "/login", {
        json: { name: text(MAX_NAME_LENGTH, "q"), password: "some password" },
      });
      expect(atLimit.body.code).toBe("invalid_credentials"); // reached the login service
    });
  });

  describe("passwords", () => {
    it(`creates a user with a password of ${MAX_PASSWORD_LENGTH} characters, not ${MAX_PASSWORD_LENGTH + 1}`, async () => {
      const admin = await signedIn(true);
      const create = (name: string, password: string) =>
        admin.client.request("POST", "/users/create", {
          json: { name, email: `${name}@example.org`, password },
        });
      await expectRefusedBeforeTheStore(() =>
        create("toolong", "p".repeat(MAX_PASSWORD_LENGTH + 1)),
      );
      expect((await create("atlimit", strongPassword(MAX_PASSWORD_LENGTH))).status).toBe(201);
      // The lower bound is the password policy's (its own code), checked before any write.
      const users = await countUsers(db());
      const short = await create("short", "p".repeat(MIN_PASSWORD_LENGTH - 1));
      expect(short.status).toBe(400);
      expect(short.body.code).toBe("password_policy");
      expect(await countUsers(db())).toBe(users);
      expect((await create("shortest", strongPassword(MIN_PASSWORD_LENGTH))).status).toBe(201);
    });

    it(`refuses a new or old password of ${MAX_PASSWORD_LENGTH + 1} characters on change and reset`, async () => {
      const user = await signedIn();
      for (const body of [
        { old_password: "x", new_password: "p".repeat(MAX_PASSWORD_LENGTH + 1) },
        { old_password: "p".repeat(MAX_PASSWORD_LENGTH + 1), new_password: "a new password" },
      ]) {
        await expectRefusedBeforeTheStore(() =>
          user.client.request("PATCH", `/users/${user.id}/password/change`, { json: body }),
        );
      }
      const admin = await signedIn(true);
      await expectRefusedBeforeTheStore(() =>
        admin.client.request("PATCH", `/users/${user.id}/password/reset`, {
          json: { new_password: "p".repeat(MAX_PASSWORD_LENGTH + 1) },
        }),
      );
      const reset = await admin.client.request("PATCH", `/users/${user.id}/password/reset`, {
        json: { new_password: strongPassword(MAX_PASSWORD_LENGTH) },
      });
      expect(reset.status, reset.text).toBe(200);
    });
  });

  describe("TOTP codes", () => {
    it(`refuses a code of ${MAX_TOTP_CODE_LENGTH + 1} characters; one of ${MAX_TOTP_CODE_LENGTH} is a wrong code`, async () => {
      const user = await signedIn();
      expect((await user.client.request("POST", `/users/${user.id}/2fa/totp/setup`)).status).toBe(
        200,
      );
      for (const path of ["confirm", "disable"]) {
        await expectRefusedBeforeTheStore(() =>
          user.client.request("POST", `/users/${user.id}/2fa/totp/${path}`, {
            json: { code: "1".repeat(MAX_TOTP_CODE_LENGTH + 1) },
          }),
        );
      }
      const atLimit = await user.client.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
        json: { code: "1".repeat(MAX_TOTP_CODE_LENGTH) },
      });
      expect(atLimit.body.code).toBe("invalid_two_fa_code"); // reached the TOTP service
    });

    it(`refuses a sign-in two_fa_code of ${MAX_TOTP_CODE_LENGTH + 1} characters`, async () => {
      const user = await server.createUser({});
      await expectRefusedBeforeTheStore(() =>
        server.client().request("POST", "/login", {
          json: {
            name: user.name,
            password: user.password,
            two_fa_code: "1".repeat(MAX_TOTP_CODE_LENGTH + 1),
          },
        }),
      );
    });
  });

  describe("recovery codes", () => {
    it(`refuses a sign-in recovery_code of ${MAX_RECOVERY_CODE_LENGTH + 1} characters; one of ${MAX_RECOVERY_CODE_LENGTH} is a wrong code`, async () => {
      const { user } = await userWithCodes(server);
      await expectRefusedBeforeTheStore(() =>
        loginWithCode(server, user, "1".repeat(MAX_RECOVERY_CODE_LENGTH + 1)),
      );
      const atLimit = await loginWithCode(server, user, "1".repeat(MAX_RECOVERY_CODE_LENGTH));
      expect(atLimit.body.code).toBe("invalid_two_fa_code"); // reached the recovery code check
    });
  });

  describe("user ids in paths", () => {
    it(`refuses a user id of ${MAX_USER_ID_LENGTH + 1} characters; one of ${MAX_USER_ID_LENGTH} is looked up`, async () => {
      const admin = await signedIn(true);
      expectValidationError(
        await admin.client.request("GET", `/users/${text(MAX_USER_ID_LENGTH + 1)}/2fa/totp`),
      );
      await expectRefusedBeforeTheStore(() =>
        admin.client.request("DELETE", `/users/${text(MAX_USER_ID_LENGTH + 1)}`),
      );
      const atLimit = await admin.client.request(
        "GET",
        `/users/${text(MAX_USER_ID_LENGTH)}/2fa/totp`,
      );
      expect(atLimit.status).toBe(404); // reached the service: no such user
    });
  });

  describe("passkeys", () => {
    /** Registration options for a signed-in user, and a way to send an answer with a name. */
    async function registration(overrides: Omit<AttestationOverrides, "origin"> = {}) {
      const user = await signedIn();
      const ceremony = await startPasskeyRegistration(user.client, user.id);
      return {
        user,
        response: ceremony.attest(overrides),
        send: ceremony.verify,
        stored: () => listWebauthnCredentials(db(), user.id),
      };
    }

    it(`registers and renames a passkey named with ${MAX_PASSKEY_NAME_LENGTH} characters, not ${MAX_PASSKEY_NAME_LENGTH + 1}`, async () => {
      const { user, response, send, stored } = await registration();
      await expectRefusedBeforeTheStore(() => send(response, text(MAX_PASSKEY_NAME_LENGTH + 1)));
      expect(await stored()).toEqual([]);
      const added = await send(response, text(MAX_PASSKEY_NAME_LENGTH));
      expect(added.status, added.text).toBe(200);
      const path = `/users/${user.id}/2fa/webauthn/${added.body.id}`;
      await expectRefusedBeforeTheStore(() =>
        user.client.request("PATCH", path, {
          json: { name: text(MAX_PASSKEY_NAME_LENGTH + 1, "r") },
        }),
      );
      expect((await stored())[0]?.name).toBe(text(MAX_PASSKEY_NAME_LENGTH));
      const renamed = await user.client.request("PATCH", path, {
        json: { name: text(MAX_PASSKEY_NAME_LENGTH, "r") },
      });
      expect(renamed.status, renamed.text).toBe(200);
    });

    it(`keeps a credential id of ${MAX_CREDENTIAL_ID_BYTES} bytes (${MAX_CREDENTIAL_ID_LENGTH} characters) and refuses one character more`, async () => {
      const { user, response, send, stored } = await registration({
        credentialIdBytes: MAX_CREDENTIAL_ID_BYTES,
      });
      const added = await send(response);
      expect(added.status, added.text).toBe(200);
      expect(added.body.id).toHaveLength(MAX_CREDENTIAL_ID_LENGTH);
      const renamed = await user.client.request(
        "PATCH",
        `/users/${user.id}/2fa/webauthn/${added.body.id}`,
        { json: { name: "Renamed" } },
      );
      expect(renamed.status, renamed.text).toBe(200);
      for (const method of ["PATCH", "DELETE"]) {
        await expectRefusedBeforeTheStore(() =>
          user.client.request(method, `/users/${user.id}/2fa/webauthn/${added.body.id}A`, {
            ...(method === "PATCH" ? { json: { name: "Other" } } : {}),
          }),
        );
      }
      expect((await stored()).map((c) => c.name)).toEqual(["Renamed"]);
    });

    it(`refuses at registration a credential id of ${MAX_CREDENTIAL_ID_BYTES + 1} bytes (the ceremony's check)`, async () => {
      const { response, send, stored } = await registration({
        credentialIdBytes: MAX_CREDENTIAL_ID_BYTES + 1,
      });
      const refused = await send(response);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe("webauthn_invalid_response");
      expect(await stored()).toEqual([]);
    });

    it("lets the schema judge ids up to twice the limit; only longer segments hit the router's bound", async () => {
      const user = await signedIn();
      const remove = (length: number) =>
        user.client.request("DELETE", `/users/${user.id}/2fa/webauthn/${"A".repeat(length)}`);
      expectValidationError(await remove(2 * MAX_CREDENTIAL_ID_LENGTH));
      // Past maxParamLength the router refuses the path: in Tessera's shape too (frameworkErrors).
      expectValidationError(await remove(2 * MAX_CREDENTIAL_ID_LENGTH + 1));
    });

    /** The response with its clientDataJSON padded (an extra member, §5.8.1) to `bytes` bytes. */
    function withClientDataBytes(
      response: { response: { clientDataJSON: string } },
      bytes: number,
    ) {
      const clientData = JSON.parse(
        Buffer.from(response.response.clientDataJSON, "base64url").toString("utf8"),
      ) as Record<string, unknown>;
      const bare = JSON.stringify({ ...clientData, padding: "" }).length;
      const padded = JSON.stringify({ ...clientData, padding: "p".repeat(bytes - bare) });
      expect(padded.length).toBe(bytes);
      return {
        ...response,
        response: {
          ...response.response,
          clientDataJSON: Buffer.from(padded).toString("base64url"),
        },
      };
    }

    it(`accepts a clientDataJSON of ${MAX_CLIENT_DATA_JSON_LENGTH} characters, not more`, async () => {
      // 3072 bytes are exactly 4096 base64url characters; 3073 bytes are 4098.
      const atLimitBytes = (MAX_CLIENT_DATA_JSON_LENGTH / 4) * 3;
      const over = await registration();
      const tooLong = withClientDataBytes(over.response, atLimitBytes + 1);
      expect(tooLong.response.clientDataJSON.length).toBeGreaterThan(MAX_CLIENT_DATA_JSON_LENGTH);
      await expectRefusedBeforeTheStore(() => over.send(tooLong));
      expect(await over.stored()).toEqual([]);
      // The same on passwordless sign-in: refused before the challenge is looked up.
      const events = await auditCount();
      expectValidationError(
        await server.client().request("POST", "/login/passkey", {
          json: { webauthn_response: tooLong },
        }),
      );
      expect(await auditCount()).toBe(events);

      const at = await registration();
      const atLimit = withClientDataBytes(at.response, atLimitBytes);
      expect(atLimit.response.clientDataJSON).toHaveLength(MAX_CLIENT_DATA_JSON_LENGTH);
      const added = await at.send(atLimit);
      expect(added.status, added.text).toBe(200);
    });

    it("leaves a response of the wrong shape to the ceremony and its own code", async () => {
      const { send } = await registration();
      for (const body of [{ response: "text" }, { response: { clientDataJSON: 42 } }]) {
        const refused = await send(body);
        expect(refused.status).toBe(400);
        expect(refused.body.code).toBe("webauthn_invalid_response");
      }
    });
  });
});
