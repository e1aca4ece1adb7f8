/**
 * Passkey registration through the real routes, answered by the software authenticator: the
 * one place the HTTP tests write the ceremony (`POST /users/:id/2fa/webauthn/register/options`,
 * then `…/register/verify`). `registerPasskey` adds a passkey and expects it stored;
 * `startPasskeyRegistration` stops after the options, for tests of the verify step itself.
 */
import { expect } from "vitest";
import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from "../../src/core/webauthn/index.js";
import { SoftAuthenticator, type AttestationOverrides } from "./soft-authenticator.js";
import { TEST_ORIGIN, type TestClient, type TestResponse } from "./server.js";

/** The name a passkey is registered under unless a test names it. */
export const DEFAULT_PASSKEY_NAME = "Test key";

/** The path of a step of the registration ceremony of user `userId`. */
export function passkeyRegistrationPath(userId: string, step: "options" | "verify"): string {
  return `/users/${userId}/2fa/webauthn/register/${step}`;
}

/** Who answers the options, and from which origin. */
export interface PasskeyCeremonyOptions {
  /** Default: a new one, so a browser's `excludeCredentials` check never gets in the way. */
  authenticator?: SoftAuthenticator;
  /** The origin the "browser" reports. Default `TEST_ORIGIN`. */
  origin?: string;
}

/** A registration whose options the server gave (200); nothing verified yet. */
export interface PasskeyRegistration {
  options: PublicKeyCredentialCreationOptionsJSON;
  authenticator: SoftAuthenticator;
  /** The authenticator's answer to `options`; each override replaces the honest value. */
  attest(overrides?: Partial<AttestationOverrides>): RegistrationResponseJSON;
  /** Sends `response` (any JSON) to the verify step under `name`; the answer, unchecked. */
  verify(response: unknown, name?: string): Promise<TestResponse>;
}

/** Asks for registration options as the signed-in `client` (expects 200). */
export async function startPasskeyRegistration(
  client: TestClient,
  userId: string,
  { authenticator = new SoftAuthenticator(), origin = TEST_ORIGIN }: PasskeyCeremonyOptions = {},
): Promise<PasskeyRegistration> {
  const answer = await client.request("POST", passkeyRegistrationPath(userId, "options"), {
    json: {},
  });
  expect(answer.status, answer.text).toBe(200);
  const options = answer.body as PublicKeyCredentialCreationOptionsJSON;
  return {
    options,
    authenticator,
    attest: (overrides = {}) => authenticator.createAttestation(options, { origin, ...overrides }),
    verify: (response, name = DEFAULT_PASSKEY_NAME) =>
      client.request("POST", passkeyRegistrationPath(userId, "verify"), {
        json: { response, name },
      }),
  };
}

/** What `registerPasskey` takes: the ceremony's parties, the name, and attestation overrides. */
export interface RegisterPasskeyOptions
  extends PasskeyCeremonyOptions, Omit<AttestationOverrides, "origin"> {
  /** Default `DEFAULT_PASSKEY_NAME`. */
  name?: string;
}

/** A stored passkey and the authenticator that holds its key. */
export interface RegisteredPasskey {
  authenticator: SoftAuthenticator;
  credentialId: string;
}

/** Registers a passkey for the signed-in `client`'s user `userId`; expects it stored (200). */
export async function registerPasskey(
  client: TestClient,
  userId: string,
  { authenticator, origin, name, ...overrides }: RegisterPasskeyOptions = {},
): Promise<RegisteredPasskey> {
  const registration = await startPasskeyRegistration(client, userId, { authenticator, origin });
  const stored = await registration.verify(registration.attest(overrides), name);
  expect(stored.status, stored.text).toBe(200);
  return { authenticator: registration.authenticator, credentialId: stored.body.id as string };
}
