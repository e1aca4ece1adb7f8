/**
 * `tessera import`: bringing the Python app's users over. Every line is checked first
 * (`parseImportFile`), then every id, name, email and passkey id is checked against the file
 * itself and the database; a collision is reported, never merged. Only a clean file is written,
 * all of it in one transaction, so an import either happens entirely or not at all. Password
 * hashes are kept as they are (Argon2 of any parameters verifies and is re-hashed at the next
 * sign-in), TOTP secrets stay confirmed or pending, passkeys keep their signature counters.
 */
import {
  addWebauthnCredential,
  findTakenImportKeys,
  insertImportedUser,
  newId,
  withTransaction,
} from "../../../store/index.js";
import { audit } from "../../audit/audit.js";
import type { ServiceContext } from "../../context.js";
import { parseImportFile, type ImportedUser } from "./parse.js";

export { parseImportFile, PENDING_TOTP_PREFIX } from "./parse.js";
export type { ImportedUser, ImportedCredential, ParsedImport } from "./parse.js";

/** What an import did (or, with `dryRun`, would do). */
export interface ImportReport {
  /** Lines that hold a user. */
  users: number;
  admins: number;
  withTotp: number;
  withPendingTotp: number;
  passkeys: number;
  /** Users without an id in the file (their old tokens cannot work). */
  newIds: number;
  /** Bad lines and collisions; non-empty means nothing was written. */
  problems: string[];
  /** True when the users were written. */
  imported: boolean;
}

/** Options of `importUsers`. */
export interface ImportOptions {
  /** Check everything, write nothing. */
  dryRun?: boolean;
}

/**
 * Imports an export file's text. Never throws for bad content: problems are in the report.
 * @throws the driver's error when the database fails (the transaction is rolled back).
 */
export async function importUsers(
  ctx: ServiceContext,
  text: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const parsed = parseImportFile(text);
  const report: ImportReport = {
    users: parsed.users.length,
    admins: parsed.users.filter((u) => u.isAdmin).length,
    withTotp: parsed.users.filter((u) => u.totpSecret !== null).length,
    withPendingTotp: parsed.users.filter((u) => u.totpPendingSecret !== null).length,
    passkeys: parsed.users.reduce((n, u) => n + u.credentials.length, 0),
    newIds: parsed.users.filter((u) => u.id === null).length,
    problems: [...parsed.problems, ...collisionsWithin(parsed.users)],
    imported: false,
  };
  if (report.problems.length > 0) return report;

  await withTransaction(ctx.db, async (trx) => {
    report.problems.push(...(await collisionsWithDatabase(trx, parsed.users)));
    if (report.problems.length > 0 || options.dryRun === true) return;
    const nowMs = ctx.clock();
    const inTransaction = { ...ctx, db: trx };
    for (const user of parsed.users) {
      const id = user.id ?? newId();
      await insertImportedUser(trx, { ...user, id }, nowMs);
      for (const credential of user.credentials) {
        await addWebauthnCredential(
          trx,
          {
            id: credential.id,
            userId: id,
            publicKey: credential.publicKey,
            counter: credential.signCount,
            transports: credential.transports,
            name: credential.name,
            deviceType: "singleDevice",
            backedUp: false,
          },
          nowMs,
        );
      }
      await audit(inTransaction, "user_imported", {
        userId: id,
        detail: { line: user.line, is_admin: user.isAdmin, passkeys: user.credentials.length },
      });
    }
    report.imported = true;
  });
  return report;
}

/** Two lines of one file that would be one account (or one passkey). */
function collisionsWithin(users: readonly ImportedUser[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const check = (kind: string, key: string, line: number, shown: string) => {
    const first = seen.get(`${kind}\0${key}`);
    if (first === undefined) seen.set(`${kind}\0${key}`, line);
    else
      problems.push(`line ${line}: ${kind} ${JSON.stringify(shown)} collides with line ${first}`);
  };
  for (const user of users) {
    if (user.id !== null) check("id", user.id, user.line, user.id);
    check("name", user.nameKey, user.line, user.name);
    check("email", user.emailKey, user.line, user.email);
    for (const credential of user.credentials) {
      check("passkey", credential.id, user.line, credential.id);
    }
  }
  return problems;
}

/** Lines whose id, name, email or passkey the database already holds. */
async function collisionsWithDatabase(
  db: ServiceContext["db"],
  users: readonly ImportedUser[],
): Promise<string[]> {
  const taken = await findTakenImportKeys(db, {
    ids: users.flatMap((u) => (u.id === null ? [] : [u.id])),
    nameKeys: users.map((u) => u.nameKey),
    emailKeys: users.map((u) => u.emailKey),
    credentialIds: users.flatMap((u) => u.credentials.map((c) => c.id)),
  });
  const ids = new Set(taken.ids);
  const names = new Set(taken.nameKeys);
  const emails = new Set(taken.emailKeys);
  const credentials = new Set(taken.credentialIds);
  const problems: string[] = [];
  for (const user of users) {
    const at = `line ${user.line}:`;
    if (user.id !== null && ids.has(user.id)) problems.push(`${at} id ${user.id} already exists`);
    if (names.has(user.nameKey))
      problems.push(`${at} the name ${JSON.stringify(user.name)} is already taken`);
    if (emails.has(user.emailKey))
      problems.push(`${at} the email ${JSON.stringify(user.email)} is already taken`);
    for (const credential of user.credentials) {
      if (credentials.has(credential.id))
        problems.push(`${at} passkey ${credential.id} is already registered`);
    }
  }
  return problems;
}
