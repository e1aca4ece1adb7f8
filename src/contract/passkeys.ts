/** Passkeys on the wire: registration, the list, rename, removal, passwordless sign-in. */
import { Type, type Static } from "@sinclair/typebox";
import {
  MAX_CLIENT_DATA_JSON_LENGTH,
  MAX_CREDENTIAL_ID_LENGTH,
  MAX_PASSKEY_NAME_LENGTH,
  MAX_PASSKEYS_PER_USER,
  MAX_USER_ID_LENGTH,
} from "./limits.js";

/** A passkey as the list, the rename and the registration answer it. */
export const PasskeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Type.String({ format: "date-time" }),
  last_used_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  device_type: Type.String(),
  backed_up: Type.Boolean(),
});
export type PasskeyView = Static<typeof PasskeyView>;

/** `GET /users/{id}/2fa/webauthn`: every passkey, at most `MAX_PASSKEYS_PER_USER` (a per-user cap). */
export const PasskeyList = Type.Array(PasskeyView, { maxItems: MAX_PASSKEYS_PER_USER });
export type PasskeyList = Static<typeof PasskeyList>;

/** The name a user gives a passkey (the store also refuses blank names and control characters). */
export const PasskeyName = Type.String({ minLength: 1, maxLength: MAX_PASSKEY_NAME_LENGTH });

/** `/users/{id}/2fa/webauthn/{credential_id}`: the credential id is base64url. */
export const CredentialParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: MAX_USER_ID_LENGTH }),
  credential_id: Type.String({ minLength: 1, maxLength: MAX_CREDENTIAL_ID_LENGTH }),
});
export type CredentialParams = Static<typeof CredentialParams>;

/**
 * A WebAuthn response as @simplewebauthn/browser sends it. Its inside is checked by the
 * ceremony (a malformed one is `webauthn_invalid_response`); only the size of
 * `response.clientDataJSON`, read before the challenge is looked up, is bounded here. The
 * bound applies when the fields have their JSON types, so a response of the wrong shape still
 * reaches the ceremony and gets its code.
 */
export const WebauthnResponse = Type.Unsafe<Record<string, unknown>>({
  type: "object",
  properties: {
    response: {
      anyOf: [
        {
          type: "object",
          properties: {
            clientDataJSON: {
              anyOf: [
                { type: "string", maxLength: MAX_CLIENT_DATA_JSON_LENGTH },
                { not: { type: "string" } },
              ],
            },
          },
        },
        { not: { type: "object" } },
      ],
    },
  },
});
export type WebauthnResponse = Static<typeof WebauthnResponse>;

/** The options JSON of the WebAuthn core (PublicKeyCredential*OptionsJSON). */
export const OptionsJson = Type.Object(
  { challenge: Type.String() },
  { additionalProperties: true },
);

/** The body of the options requests: none, or an empty object. */
export const EmptyBody = Type.Optional(Type.Object({}, { additionalProperties: true }));

/** `POST /users/{id}/2fa/webauthn/register/verify`. */
export const RegisterPasskeyRequest = Type.Object(
  { response: WebauthnResponse, name: PasskeyName },
  { additionalProperties: false },
);
export type RegisterPasskeyRequest = Static<typeof RegisterPasskeyRequest>;

/** `PATCH /users/{id}/2fa/webauthn/{credential_id}`. */
export const RenamePasskeyRequest = Type.Object(
  { name: PasskeyName },
  { additionalProperties: false },
);
export type RenamePasskeyRequest = Static<typeof RenamePasskeyRequest>;

/** `POST /login/passkey`: passwordless sign-in with a discoverable passkey. */
export const PasskeyLoginRequest = Type.Object(
  { webauthn_response: WebauthnResponse },
  { additionalProperties: false },
);
export type PasskeyLoginRequest = Static<typeof PasskeyLoginRequest>;
