/**
 * Passkeys, one file per ceremony: registration (the signed-in user adds one), management
 * (list, rename, remove) and re-authentication; the second factor at login and passwordless
 * sign-in are sign-in's (`sign-in/passkey-*.ts`). Each parses the client's WebAuthn response once
 * (`core/webauthn`) and passes the parsed value on.
 */
export {
  CHALLENGE_PURPOSES,
  toPasskeyView,
  type PasskeyDependencies,
  type PasskeyView,
} from "./shared.js";
export { finishPasskeyRegistration, startPasskeyRegistration } from "./registration.js";
export { listPasskeys, removePasskey, renamePasskey } from "./management.js";
export { startPasskeyReauthentication, verifyPasskeyReauthentication } from "./reauthentication.js";
