/** The audit trail on the wire: `GET /audit` (admin) and `GET /users/{id}/audit` (self or admin). */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_AUDIT_EVENT_NAME_LENGTH, MAX_AUDIT_PAGE_SIZE, MAX_USER_ID_LENGTH } from "./limits.js";

const cursor = Type.String({
  pattern: "^[0-9]{1,15}$",
  description: "`next_cursor` of the previous page",
});
const pageFilters = {
  event: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_AUDIT_EVENT_NAME_LENGTH })),
  since: Type.Optional(
    Type.String({ format: "date-time", description: "events at or after this time" }),
  ),
  until: Type.Optional(
    Type.String({ format: "date-time", description: "events before this time" }),
  ),
  cursor: Type.Optional(cursor),
  // A query string is text (the app does not coerce types): digits, checked against the maximum
  // by the service.
  limit: Type.Optional(
    Type.String({
      pattern: "^[1-9][0-9]{0,2}$",
      description: `events per page, 1 to ${MAX_AUDIT_PAGE_SIZE}`,
    }),
  ),
};

/** `GET /audit` query: every filter optional, combined with "and"; newest first. */
export const AuditQuery = Type.Object(
  {
    user_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: MAX_USER_ID_LENGTH, description: "whom it is about" }),
    ),
    actor_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: MAX_USER_ID_LENGTH, description: "who acted" }),
    ),
    ...pageFilters,
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

/** `GET /users/{id}/audit` query: the user's own events. */
export const UserAuditQuery = Type.Object(pageFilters, { additionalProperties: false });
export type UserAuditQuery = Static<typeof UserAuditQuery>;

/** One audit event. `detail` never holds a password, code, token or secret. */
export const AuditEventView = Type.Object({
  id: Type.Integer(),
  seq: Type.Integer(),
  at: Type.String({ format: "date-time" }),
  event: Type.String(),
  user_id: Type.Union([Type.String(), Type.Null()]),
  actor_id: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEventView = Static<typeof AuditEventView>;

/** A page of events, newest first; `next_cursor` is null on the last page. */
export const AuditPage = Type.Object({
  events: Type.Array(AuditEventView, { maxItems: MAX_AUDIT_PAGE_SIZE }),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type AuditPage = Static<typeof AuditPage>;
