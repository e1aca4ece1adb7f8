/**
 * Response schemas of the HTTP API. Fastify serialises replies through them, so a field that
 * is not listed here (a hash, a secret) can never leave the server by accident.
 */
import { Type, type TSchema } from "@sinclair/typebox";
import { ErrorResponse } from "../core/types.js";

export const UserView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  is_admin: Type.Boolean(),
  must_change_password: Type.Boolean(),
  totp_enabled: Type.Boolean(),
  created_at: Type.String({ format: "date-time" }),
  last_login_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});

export const UserSummaryView = Type.Object({ id: Type.String(), name: Type.String() });

export const UserIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const CreateUserRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 254 }),
    email: Type.String({ minLength: 3, maxLength: 254 }),
    password: Type.String({ maxLength: 1024 }),
    is_admin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const OkResponse = Type.Object({ ok: Type.Boolean() });

export const HealthResponse = Type.Object({ status: Type.String(), database: Type.String() });

/** The error responses a route can give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of statuses) out[status] = inline(ErrorResponse);
  return out;
}

/** Drops the `$id` of a shared wire schema so it can be used inline in several routes. */
export function inline<T extends TSchema>(schema: T): T {
  const { $id: _id, ...rest } = schema as T & { $id?: string };
  return rest as T;
}
