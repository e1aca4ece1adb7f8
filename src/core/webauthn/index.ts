/**
 * WebAuthn passkey ceremonies (W3C WebAuthn Level 3 §7), pure: no database, no HTTP. The
 * caller stores challenges and credentials; see registration.ts and authentication.ts.
 */
export { createRegistrationOptions, verifyRegistration } from "./registration.js";
export { parseAuthenticationResponse, parseRegistrationResponse } from "./response.js";
export type { ParsedAuthenticationResponse, ParsedRegistrationResponse } from "./response.js";
export {
  createAuthenticationOptions,
  readAssertionCredentialId,
  readAssertionIdentity,
  verifyAuthentication,
} from "./authentication.js";
export {
  CHALLENGE_BYTES,
  DEFAULT_CHALLENGE_TIMEOUT_MS,
  MAX_CLIENT_DATA_JSON_LENGTH,
  MAX_CREDENTIAL_ID_BYTES,
  MAX_USER_HANDLE_BYTES,
  SUPPORTED_ALGORITHM_IDS,
} from "./constants.js";
export { DEFAULT_REGISTRATION_REQUIRES_USER_VERIFICATION } from "./registration.js";
export type {
  AssertionIdentity,
  AuthenticationOptionsInput,
  AuthenticationResponseJSON,
  AuthenticationResult,
  AuthenticatorTransport,
  CredentialDescriptor,
  CredentialDeviceType,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegisteredCredential,
  RegistrationOptionsInput,
  RegistrationResponseJSON,
  RelyingParty,
  StoredCredential,
  VerifyAuthenticationOptions,
  VerifyRegistrationOptions,
} from "./types.js";
