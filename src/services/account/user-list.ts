/**
 * `GET /users` (issue 25): the user list a page at a time for admins, searched and filtered,
 * and, with `TESSERA_USER_DIRECTORY=search`, a people picker for everyone else: the ids and
 * names of at most 20 users whose name starts with 3 characters or more, rate-limited per
 * user. Without that setting a non-admin is refused: the list is nobody else's business.
 */
import type { AdminUserView, UserListQuery, UserSummaryView } from "../../contract/index.js";
import { MAX_DIRECTORY_RESULTS, MIN_DIRECTORY_QUERY_LENGTH } from "../../contract/index.js";
import { ClientError, PermissionDeniedError } from "../../core/errors.js";
import {
  canonicalId,
  countUserList,
  listPendingInvitationsAmong,
  listUserPage,
  normalizeIdentifier,
  type UserListFilters,
} from "../../store/index.js";
import type { Actor, ServiceContext } from "../context.js";
import { decodeCursor, parseLimit, toPage } from "../paging.js";
import { toAdminUserView, toUserSummaryView } from "../users-view.js";

/** A page of the list: the users, the next page's cursor, and (admins' first page) the count. */
export interface UserListPage {
  users: AdminUserView[] | UserSummaryView[];
  nextCursor: string | null;
  /** How many users match `q` and the filters: admins, first page (no cursor) only. */
  total?: number;
}

/**
 * One page of users for `actor`.
 * @throws PermissionDeniedError (a non-admin without the directory, or filtering);
 * ClientError `validation_error` (`field`: `limit`, `cursor` or `q`); TooManyRequestsError.
 */
export async function readUserList(
  ctx: ServiceContext,
  actor: Actor,
  query: UserListQuery,
): Promise<UserListPage> {
  return actor.isAdmin ? adminPage(ctx, query) : directorySearch(ctx, actor, query);
}

async function adminPage(ctx: ServiceContext, query: UserListQuery): Promise<UserListPage> {
  const limit = parseLimit(query.limit);
  const after =
    query.cursor === undefined
      ? undefined
      : decodeCursor(query.cursor, (id) => canonicalId(id) === id);
  const nowMs = ctx.clock();
  const conditions = {
    ...(query.q === undefined ? {} : { prefix: query.q }),
    emailToo: true,
    filters: filtersOf(query),
    nowMs,
  };
  const page = toPage(
    await listUserPage(ctx.db, conditions, {
      ...(after === undefined ? {} : { after }),
      limit: limit + 1,
    }),
    limit,
    (user) => ({ createdAtMs: user.createdAt.getTime(), id: user.id }),
  );
  const invited = await listPendingInvitationsAmong(
    ctx.db,
    page.items.map((user) => user.id),
  );
  const total = after === undefined ? await countUserList(ctx.db, conditions) : undefined;
  return {
    users: page.items.map((user) => ({
      ...toAdminUserView(user, nowMs),
      invitation_pending: invited.has(user.id),
    })),
    nextCursor: page.nextCursor,
    ...(total === undefined ? {} : { total }),
  };
}

async function directorySearch(
  ctx: ServiceContext,
  actor: Actor,
  query: UserListQuery,
): Promise<UserListPage> {
  if (ctx.settings.userDirectory !== "search") {
    throw new PermissionDeniedError("Only an admin may list users");
  }
  if (Object.keys(filtersOf(query)).length > 0) {
    throw new PermissionDeniedError("Only an admin may filter users");
  }
  if (query.cursor !== undefined) {
    // One page of at most 20: a search is narrowed by typing more, never paged through.
    throw new ClientError("The people search has no further pages: type more of the name", {
      code: "validation_error",
      extra: { field: "cursor" },
    });
  }
  const limit = parseLimit(query.limit, MAX_DIRECTORY_RESULTS);
  const prefix = normalizeIdentifier(query.q ?? "");
  if ([...prefix].length < MIN_DIRECTORY_QUERY_LENGTH) {
    throw new ClientError(
      `q must hold at least ${MIN_DIRECTORY_QUERY_LENGTH} characters of a name`,
      { code: "validation_error", extra: { field: "q" } },
    );
  }
  await ctx.throttle.reserveUserSearch(actor.id);
  // Names only: an address is not for every colleague to find (nor to confirm by its start).
  const users = await listUserPage(
    ctx.db,
    { prefix, emailToo: false, nowMs: ctx.clock() },
    { limit },
  );
  return { users: users.map(toUserSummaryView), nextCursor: null };
}

function filtersOf(query: UserListQuery): UserListFilters {
  const flag = (value: "true" | "false" | undefined) =>
    value === undefined ? undefined : value === "true";
  const filters: UserListFilters = {};
  const entries: [keyof UserListFilters, boolean | undefined][] = [
    ["admin", flag(query.admin)],
    ["locked", flag(query.locked)],
    ["emailVerified", flag(query.email_verified)],
    ["invited", flag(query.invited)],
    ["secondFactor", flag(query.second_factor)],
  ];
  for (const [key, value] of entries) if (value !== undefined) filters[key] = value;
  return filters;
}
