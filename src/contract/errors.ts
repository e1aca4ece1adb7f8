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

/** `GET /healthz`: liveness, the process answers. */
export const HealthResponse = Type.Object({ status: Type.String() });
export type HealthResponse = Static<typeof HealthResponse>;

/** `GET /readyz`: readiness, the database answers and is migrated, Redis answers when used. */
export const ReadinessResponse = Type.Object({
  status: Type.String(),
  database: Type.String(),
  redis: Type.String(),
});
export type ReadinessResponse = Static<typeof ReadinessResponse>;
