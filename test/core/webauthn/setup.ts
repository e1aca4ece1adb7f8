/**
 * Shared fixtures of the WebAuthn ceremony tests: a relying party, a user, a registered
 * software authenticator and assertions about the errors thrown.
 */
import { expect } from "vitest";
import { ClientError, type ErrorCode } from "../../../src/core/errors.js";
import {
  createAuthenticationOptions,
  createRegistrationOptions,
  verifyRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegisteredCredential,
  type RegistrationResponseJSON,
  type RelyingParty,
} from "../../../src/core/webauthn/index.js";
import { SoftAuthenticator, type AttestationOverrides } from "../../helpers/soft-authenticator.js";

export const ORIGIN = "https://app.example.com";
export const RP: RelyingParty = Object.freeze({
  id: "app.example.com",
  name: "Tessera",
  origins: Object.freeze([ORIGIN]),
});
export const USER = Object.freeze({ id: "7b0c2f9e-52a4-4d8e-9d35-1f0b6c1a9e11", name: "alice" });

export interface Registration {
  authenticator: SoftAuthenticator;
  options: PublicKeyCredentialCreationOptionsJSON;
  response: RegistrationResponseJSON;
  credential: RegisteredCredential;
}

/** Registers a new credential of `authenticator` for USER and returns everything involved. */
export async function register(
  overrides: Partial<AttestationOverrides> = {},
  authenticator = new SoftAuthenticator(),
): Promise<Registration> {
  const options = await createRegistrationOptions({ rp: RP, user: USER, excludeCredentials: [] });
  const response = authenticator.createAttestation(options, { origin: ORIGIN, ...overrides });
  const credential = await verifyRegistration({
    rp: RP,
    response,
    expectedChallenge: options.challenge,
  });
  return { authenticator, options, response, credential };
}

/** Options for a second-factor login with `credential`. */
export function loginOptions(
  credential: RegisteredCredential,
  userVerification: "required" | "preferred" | "discouraged" = "preferred",
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return createAuthenticationOptions({
    rp: RP,
    allowCredentials: [{ id: credential.id, transports: credential.transports }],
    userVerification,
  });
}

/** The error `action` throws or rejects with, or `undefined` if it succeeds. */
export async function errorOf(action: () => unknown): Promise<unknown> {
  try {
    await action();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Asserts that `action` fails with a `ClientError` carrying `code`. */
export async function expectClientError(action: () => unknown, code: ErrorCode): Promise<void> {
  const error = await errorOf(action);
  expect(error, `expected ClientError ${code}`).toBeInstanceOf(ClientError);
  expect((error as ClientError).code).toBe(code);
}

/** A base64url string cut short by `chars` characters. */
export function truncate(value: string, chars: number): string {
  return value.slice(0, Math.max(0, value.length - chars));
}

/** A deep copy of a response with one path replaced (or removed with `undefined`). */
export function withField(response: object, path: readonly string[], value: unknown): unknown {
  const copy = structuredClone(response) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}
