/**
 * Issue 20 item 1: the offline password policy runs at a sign-in only when it, or what it reads
 * besides the password (the minimum score, the app's name, the account's name and email),
 * changed since the password last passed it; then once, and its fingerprint is stored with the
 * sign-in.
 */
import { afterEach, describe, expect, it } from "vitest";
import { hashPassword } from "../../../src/core/password.js";
import { passwordPolicyFingerprint } from "../../../src/core/password-policy.js";
import { getUserById, insertUser } from "../../../src/store/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function userWith(password: string, policyChecked: string | null) {
  server = await startTestServer("sqlite");
  const db = server.tessera.database.db;
  const name = `policy${Math.random().toString(36).slice(2, 8)}`;
  const user = await insertUser(db, {
    name,
    email: `${name}@example.org`,
    passwordHash: await hashPassword(password, server.config.argon2),
    nowMs: server.clock(),
  });
  await db
    .updateTable("users")
    .set({ password_policy_checked: policyChecked })
    .where("id", "=", user.id)
    .execute();
  const fingerprint = passwordPolicyFingerprint(
    { name: user.name, email: user.email, appName: server.config.appName },
    server.config.passwordMinScore,
  );
  return { user, db, fingerprint, server };
}

describe("the password policy at sign-in", () => {
  it("checks an unchecked password once and stores the policy it passed", async () => {
    const { user, db, fingerprint, server } = await userWith("Quartz-Meadow-Lantern-58", null);
    const first = await server.client().login(user.name, "Quartz-Meadow-Lantern-58");
    expect(first.body.must_change_password).toBe(false);
    expect((await getUserById(db, user.id))?.passwordPolicyChecked).toBe(fingerprint);
    await server.client().login(user.name, "Quartz-Meadow-Lantern-58");
    expect((await getUserById(db, user.id))?.passwordPolicyChecked).toBe(fingerprint);
  });

  it("does not check again a password that passed the same policy for the same account", async () => {
    // A refused password whose stored fingerprint is today's: the check is skipped, so the
    // sign-in does not ask for a new password (proof that the policy did not run).
    const { user, db, fingerprint, server } = await userWith("password1234", null);
    await db
      .updateTable("users")
      .set({ password_policy_checked: fingerprint })
      .where("id", "=", user.id)
      .execute();
    const login = await server.client().login(user.name, "password1234");
    expect(login.body.must_change_password).toBe(false);
    expect((await getUserById(db, user.id))?.mustChangePassword).toBe(false);
  });

  it("checks again when the policy changed since, and requires a new password it refuses", async () => {
    const { user, db, fingerprint, server } = await userWith("password1234", "v0:older-policy");
    expect(fingerprint).not.toBe("v0:older-policy");
    const login = await server.client().login(user.name, "password1234");
    expect(login.body.must_change_password).toBe(true);
    const stored = await getUserById(db, user.id);
    expect(stored?.mustChangePassword).toBe(true);
    // A refused password is not recorded as having passed.
    expect(stored?.passwordPolicyChecked).toBe("v0:older-policy");
  });

  it("gives another fingerprint when the account's name, email, the app or the score changes", () => {
    const base = { name: "ada", email: "ada@example.org", appName: "Tessera" };
    const reference = passwordPolicyFingerprint(base, 3);
    expect(passwordPolicyFingerprint({ ...base }, 3)).toBe(reference);
    for (const changed of [
      passwordPolicyFingerprint({ ...base, name: "ada2" }, 3),
      passwordPolicyFingerprint({ ...base, email: "ada@example.net" }, 3),
      passwordPolicyFingerprint({ ...base, appName: "Other" }, 3),
      passwordPolicyFingerprint(base, 4),
    ]) {
      expect(changed).not.toBe(reference);
    }
  });
});
