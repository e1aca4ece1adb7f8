/** Sessions on the wire: the device list, ending one session, ending the others. */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_PAGE_SIZE, MAX_SESSION_ID_LENGTH, MAX_USER_ID_LENGTH } from "./limits.js";
import { pageQueryFields } from "./paging.js";

/** One live session (`GET /users/{id}/sessions`). */
export const SessionView = Type.Object({
  id: Type.String(),
  created_at: Type.String({ format: "date-time" }),
  last_seen_at: Type.String({ format: "date-time" }),
  expires_at: Type.String({ format: "date-time" }),
  idle_expires_at: Type.String({ format: "date-time" }),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  /** A readable summary of the user agent ("Chrome on Linux"). */
  device: Type.Union([Type.String(), Type.Null()]),
  /** How the user authenticated (RFC 8176 names where it has them). */
  amr: Type.Array(Type.String()),
  /** The session of the request that asked. */
  current: Type.Boolean(),
});
export type SessionView = Static<typeof SessionView>;

/** `GET /users/{id}/sessions`: a page of live sessions, the current one first, then newest first. */
export const SessionList = Type.Array(SessionView, { maxItems: MAX_PAGE_SIZE });
export type SessionList = Static<typeof SessionList>;

/** `GET /users/{id}/sessions` query: a page (issue 25 item 4). */
export const SessionListQuery = Type.Object(pageQueryFields, { additionalProperties: false });
export type SessionListQuery = Static<typeof SessionListQuery>;

/** `/users/{id}/sessions/{session_id}`. */
export const SessionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: MAX_USER_ID_LENGTH }),
  session_id: Type.String({ minLength: 1, maxLength: MAX_SESSION_ID_LENGTH }),
});
export type SessionParams = Static<typeof SessionParams>;

/** `POST /users/{id}/sessions/end-others`, `POST /logout/all`: how many sessions ended. */
export const EndSessionsResponse = Type.Object({
  ok: Type.Boolean(),
  ended: Type.Integer({ minimum: 0 }),
});
export type EndSessionsResponse = Static<typeof EndSessionsResponse>;
