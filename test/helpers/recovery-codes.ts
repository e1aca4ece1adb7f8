/**
 * Recovery codes in the route tests: a signed-in user with a second factor (TOTP, or a passkey
 * of a soft authenticator) and a fresh set of recovery codes.
 */
import { expect } from "vitest";
import { generateTotp } from "../../src/core/totp.js";
import { registerPasskey } from "./passkeys.js";
import type { TestClient, TestServer } from "./server.js";

/** A user of `server` signed in on `client`, with a second factor and ten recovery codes. */
export interface UserWithCodes {
  user: Awaited<ReturnType<TestServer["createUser"]>>;
  client: TestClient;
  codes: string[];
  /** The TOTP secret (factor "totp"). */
  totpSecret: string | null;
  /** The passkey's credential id (factor "passkey"). */
  credentialId: string | null;
}

/** Turns TOTP on for the signed-in user (codes at `server`'s clock); returns the secret. */
export async function enableTotp(
  server: Pick<TestServer, "clock">,
  client: TestClient,
  userId: string,
): Promise<string> {
  const setup = await client.request("POST", `/users/${userId}/2fa/totp/setup`);
  expect(setup.status).toBe(200);
  const confirmed = await client.request("POST", `/users/${userId}/2fa/totp/confirm`, {
    json: { code: generateTotp(setup.body.secret, { clock: server.clock }) },
  });
  expect(confirmed.status, confirmed.text).toBe(200);
  return setup.body.secret as string;
}

/** Makes a new set for the signed-in user; expects 200. */
export async function makeCodes(client: TestClient, userId: string): Promise<string[]> {
  const made = await client.request("POST", `/users/${userId}/2fa/recovery-codes`);
  expect(made.status, made.text).toBe(200);
  return made.body.codes as string[];
}

/** A new user with a second factor (`totp` by default) and ten recovery codes. */
export async function userWithCodes(
  server: TestServer,
  factor: "totp" | "passkey" = "totp",
): Promise<UserWithCodes> {
  const user = await server.createUser({});
  const client = server.client();
  await client.login(user.name, user.password);
  const totpSecret = factor === "totp" ? await enableTotp(server, client, user.id) : null;
  const credentialId =
    factor === "passkey" ? (await registerPasskey(client, user.id)).credentialId : null;
  const codes = await makeCodes(client, user.id);
  return { user, client, codes, totpSecret, credentialId };
}

/** `POST /login` with name, password and `recovery_code`, from a new client. */
export function loginWithCode(
  server: TestServer,
  user: { name: string; password: string },
  code: unknown,
): ReturnType<TestClient["request"]> {
  return server.client().request("POST", "/login", {
    json: { name: user.name, password: user.password, recovery_code: code },
  });
}
