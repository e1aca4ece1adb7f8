/** Recovery codes on the wire (issue 11 item 2): a new set, shown once, and how many are left. */
import { Type, type Static } from "@sinclair/typebox";

/** `POST /users/{id}/2fa/recovery-codes`: the new set, the only time its codes are shown. */
export const RecoveryCodesResponse = Type.Object(
  {
    /** Ten codes, `xxxx-xxxx-xxxx-xxxx-xxxx` (Crockford base32). */
    codes: Type.Array(Type.String()),
    created_at: Type.String({ format: "date-time" }),
  },
  { $id: "RecoveryCodesResponse", additionalProperties: false },
);
export type RecoveryCodesResponse = Static<typeof RecoveryCodesResponse>;

/** `GET /users/{id}/2fa/recovery-codes`: how many are left, never the codes. */
export const RecoveryCodesStatus = Type.Object(
  {
    /** Unused codes of the current set. */
    remaining: Type.Integer({ minimum: 0 }),
    /** Codes in the current set, used or not (0: none was made). */
    total: Type.Integer({ minimum: 0 }),
    /** When the current set was made; null when there is none. */
    created_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    /** A set exists and 2 or fewer of its codes are left: time to make new ones. */
    low: Type.Boolean(),
  },
  { $id: "RecoveryCodesStatus", additionalProperties: false },
);
export type RecoveryCodesStatus = Static<typeof RecoveryCodesStatus>;
