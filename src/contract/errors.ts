/** The error body every failure answers with, and the small bodies shared by several routes. */
import { Type, type Static } from "@sinclair/typebox";

/** The error body: the seed framework's shape plus a stable `code`. */
export const ErrorResponse = Type.Object(
  {
    status_code: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: "ErrorResponse" },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** `{ "ok": true }`: the answer of actions with nothing else to say. */
export const OkResponse = Type.Object({ ok: Type.Boolean() });
export type OkResponse = Static<typeof OkResponse>;

/** `GET /healthz`. */
export const HealthResponse = Type.Object({ status: Type.String(), database: Type.String() });
export type HealthResponse = Static<typeof HealthResponse>;
