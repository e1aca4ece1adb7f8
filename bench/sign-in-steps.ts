/**
 * `npx tsx bench/sign-in-steps.ts` (issue 20 item 1): what each step of a password sign-in
 * costs, timed with `process.hrtime` over a fresh SQLite file (the default deployment:
 * counters in the database, `synchronous = FULL`), one sign-in after another, medians in ms:
 * the user lookup, the device cookie, the throttle's reservation, Argon2id, giving the attempt
 * back (one commit), the offline password policy (zxcvbn, now run only when the policy changed),
 * the sign-in's one transaction (session, last login, audit event, device), a whole `login()`,
 * and what one commit costs with `synchronous = FULL` against `NORMAL` on this disk.
 *
 *   taskset -c 0 npx tsx bench/sign-in-steps.ts        (BENCH_ROUNDS=40 by default)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { passwordPolicyViolation } from "../src/core/password-policy.js";
import { verifyPassword } from "../src/core/password.js";
import { createTessera } from "../src/runtime.js";
import { createUser } from "../src/services/account/users.js";
import { audit } from "../src/services/audit/audit.js";
import { recordSignInDevice } from "../src/services/mail/new-device.js";
import { issueSessionToken } from "../src/services/sessions/sessions.js";
import { issueDeviceToken, verifyDeviceToken } from "../src/services/sign-in/device-cookie.js";
import { login } from "../src/services/sign-in/login.js";
import { getUserByNameOrMail, recordLogin, withTransaction } from "../src/store/index.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const dir = mkdtempSync(join(tmpdir(), "tessera-steps-"));
const tessera = await createTessera({
  nodeEnv: "production",
  databaseUrl: join(dir, "steps.db"),
  jwtSecret: randomBytes(32).toString("base64url"),
  publicUrl: "http://localhost:8000",
  logLevel: "silent",
  addressMaxFailures: 1_000_000,
  keyEncryptionSecret: randomBytes(32).toString("base64url"),
});
const ctx = tessera.ctx;
const password = "plain horse staple 123";
const user = await createUser(ctx, null, {
  name: "steps",
  email: "steps@example.org",
  password,
  mustChangePassword: false,
});
const meta = { ip: "127.0.0.1", userAgent: "bench", deviceToken: null };
const deviceToken = issueDeviceToken(ctx.settings.jwtKeys, user.id);

const samples = new Map<string, number[]>();
async function step<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  const started = process.hrtime.bigint();
  const result = await run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  samples.set(name, [...(samples.get(name) ?? []), ms]);
  return result;
}

for (let round = 0; round < ROUNDS; round++) {
  const found = await step("user lookup (name or email)", () =>
    getUserByNameOrMail(ctx.db, user.name),
  );
  if (found === undefined) throw new Error("no user");
  const hash = found.passwordHash;
  if (hash === null) throw new Error("no password");
  await step("device cookie verification", () =>
    verifyDeviceToken(ctx.settings.jwtKeys, deviceToken, user.id),
  );
  const attempt = { accountKey: user.id, address: meta.ip };
  const reservation = await step("throttle: reserve (1 commit)", () =>
    ctx.throttle.reserveLoginAttempt(attempt),
  );
  await step("Argon2id verification", () => verifyPassword(hash, password));
  await step("throttle: give back + reset (1 commit)", () =>
    ctx.throttle.recordLoginSuccess(attempt, reservation),
  );
  await step("offline policy (zxcvbn), now once", () =>
    passwordPolicyViolation(
      password,
      { name: user.name, email: user.email, appName: ctx.settings.appName },
      ctx.settings.passwordMinScore,
    ),
  );
  await step("session+login+audit+device (1 commit)", () =>
    withTransaction(ctx.db, async (trx) => {
      const tx = { ...ctx, db: trx };
      const issued = await issueSessionToken(tx, found, { amr: ["pwd"], meta });
      await recordLogin(trx, user.id, ctx.clock());
      await audit(tx, "login_succeeded", { userId: user.id, meta, detail: { method: "bench" } });
      await recordSignInDevice(trx, found, {
        meta,
        cookieDeviceId: null,
        issuedDeviceId: "x",
        nowMs: ctx.clock(),
      });
      return issued;
    }),
  );
  await step("whole login()", () => login(ctx, { name: user.name, password }, meta));
}

// One small commit on this disk with each durability (WAL, as Tessera opens SQLite).
const raw = new Database(join(dir, "commits.db"));
raw.pragma("journal_mode = WAL");
raw.exec("create table c (k text primary key, n integer)");
const upsert = raw.prepare(
  "insert into c (k, n) values ('k', 1) on conflict (k) do update set n = n + 1",
);
for (const mode of ["FULL", "NORMAL"] as const) {
  raw.pragma(`synchronous = ${mode}`);
  for (let i = 0; i < ROUNDS; i++)
    await step(`one commit, synchronous = ${mode}`, () => upsert.run());
}
raw.close();

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
console.log(`${ROUNDS} rounds, median ms per step (SQLite file in ${tmpdir()})`);
for (const [name, values] of samples) {
  console.log(`${name.padEnd(42)} ${median(values).toFixed(3).padStart(9)} ms`);
}
await tessera.close();
