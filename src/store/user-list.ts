/**
 * The user list, a page at a time (issue 25): oldest account first, keyset `(created_at, id)`
 * (a page starts after the last key of the one before, so users added meanwhile never shift
 * it), a prefix of the name or email key as an index range, and the admins' filters. A count
 * with the same conditions for the admin page.
 */
import { sql, type ExpressionBuilder, type Expression, type Kysely, type SqlBool } from "kysely";
import { toDbBool, toEpochMs } from "./columns.js";
import { capabilitiesOf } from "./dialect.js";
import { normalizeIdentifier } from "./identifiers.js";
import { canonicalId } from "./ids.js";
import type { Database } from "./schema.js";
import { toUser, type User } from "./users.js";

type Db = Kysely<Database>;
type Users = ExpressionBuilder<Database, "users">;

/** Where a page starts: after this user in the list's order. */
export interface UserListKey {
  createdAtMs: number;
  id: string;
}

/** The admins' filters; absent: either way. */
export interface UserListFilters {
  admin?: boolean;
  /** Locked now (an expired lock is not). */
  locked?: boolean;
  emailVerified?: boolean;
  /** An invitation not accepted yet. */
  invited?: boolean;
  /** TOTP or at least one passkey. */
  secondFactor?: boolean;
}

/** What `listUserPage` and `countUserList` select. */
export interface UserListConditions {
  /** The start of a name (or an email, with `emailToo`), folded as names are. */
  prefix?: string;
  /** Whether `prefix` also matches the email (false for the people picker: names only). */
  emailToo?: boolean;
  filters?: UserListFilters;
  /** The time "locked now" is read at. */
  nowMs: number;
}

/** A page: `limit` users after `after` (from the first without it). */
export async function listUserPage(
  db: Db,
  conditions: UserListConditions,
  page: { after?: UserListKey; limit: number },
): Promise<User[]> {
  if (page.after !== undefined && canonicalId(page.after.id) === undefined) return [];
  return (await userPageQuery(db, conditions, page).execute()).map(toUser);
}

/** The statement of `listUserPage` (its plan is checked on both dialects in the tests). */
export function userPageQuery(
  db: Db,
  conditions: UserListConditions,
  page: { after?: UserListKey; limit: number },
) {
  const after = page.after;
  const afterId = after === undefined ? undefined : canonicalId(after.id);
  return db
    .selectFrom("users")
    .selectAll()
    .where((eb) => {
      const all = matching(eb, conditions, capabilitiesOf(db).byteOrderCollation);
      if (after !== undefined && afterId !== undefined) {
        // A row value: one index range on both dialects, also inside a run of equal times
        // (an import gives every user the same created_at).
        all.push(eb(eb.refTuple("created_at", "id"), ">", eb.tuple(after.createdAtMs, afterId)));
      }
      return eb.and(all);
    })
    .orderBy("created_at")
    .orderBy("id")
    .limit(page.limit);
}

/** How many users match (one SQL COUNT; nobody is loaded). */
export async function countUserList(db: Db, conditions: UserListConditions): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .where((eb) => eb.and(matching(eb, conditions, capabilitiesOf(db).byteOrderCollation)))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Which of these users have an invitation not accepted yet. */
export async function listPendingInvitationsAmong(
  db: Db,
  userIds: readonly string[],
): Promise<Set<string>> {
  const ids = userIds.map(canonicalId).filter((id) => id !== undefined);
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom("email_tokens")
    .select("user_id")
    .distinct()
    .where("purpose", "=", "invitation")
    .where("used_at", "is", null)
    .where("user_id", "in", ids)
    .execute();
  return new Set(rows.map((row) => String(row.user_id)));
}

/**
 * The smallest string above every string that starts with `prefix`, in code point order: the
 * last code point raised by one (U+10FFFF dropped first, surrogates skipped); null when there
 * is none (every string is below it).
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = [...prefix].map((c) => c.codePointAt(0)!);
  while (points.length > 0 && points.at(-1) === 0x10ffff) points.pop();
  const last = points.pop();
  if (last === undefined) return null;
  const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
  return String.fromCodePoint(...points, next);
}

function matching(
  eb: Users,
  conditions: UserListConditions,
  collation: string | null,
): Expression<SqlBool>[] {
  const all: Expression<SqlBool>[] = [];
  const prefix = conditions.prefix === undefined ? "" : normalizeIdentifier(conditions.prefix);
  if (prefix !== "") {
    const name = keyPrefix(eb, "name_key", prefix, collation);
    all.push(
      conditions.emailToo === true
        ? eb.or([name, keyPrefix(eb, "email_key", prefix, collation)])
        : name,
    );
  }
  const f = conditions.filters ?? {};
  const nowMs = toEpochMs(conditions.nowMs);
  if (f.admin !== undefined) all.push(eb("is_admin", "=", toDbBool(f.admin)));
  if (f.emailVerified !== undefined) {
    all.push(eb("email_verified_at", f.emailVerified ? "is not" : "is", null));
  }
  if (f.locked !== undefined) {
    const locked = eb.and([
      eb("locked_at", "is not", null),
      eb.or([eb("locked_until", "is", null), eb("locked_until", ">", nowMs)]),
    ]);
    all.push(f.locked ? locked : eb.not(locked));
  }
  if (f.invited !== undefined) {
    const invited = eb.exists(
      eb
        .selectFrom("email_tokens")
        .select(sql.lit(1).as("one"))
        .whereRef("email_tokens.user_id", "=", "users.id")
        .where("email_tokens.purpose", "=", "invitation")
        .where("email_tokens.used_at", "is", null),
    );
    all.push(f.invited ? invited : eb.not(invited));
  }
  if (f.secondFactor !== undefined) {
    const factor = eb.or([
      eb("totp_secret", "is not", null),
      eb.exists(
        eb
          .selectFrom("webauthn_credentials")
          .select(sql.lit(1).as("one"))
          .whereRef("webauthn_credentials.user_id", "=", "users.id"),
      ),
    ]);
    all.push(f.secondFactor ? factor : eb.not(factor));
  }
  return all;
}

// `key >= prefix and key < next(prefix)` in byte order: one range of the key's index.
function keyPrefix(
  eb: Users,
  column: "name_key" | "email_key",
  prefix: string,
  collation: string | null,
): Expression<SqlBool> {
  const key =
    collation === null
      ? sql<string>`${sql.ref(column)}`
      : sql<string>`${sql.ref(column)} collate ${sql.id(collation)}`;
  const upper = prefixUpperBound(prefix);
  return upper === null
    ? eb(key, ">=", prefix)
    : eb.and([eb(key, ">=", prefix), eb(key, "<", upper)]);
}
