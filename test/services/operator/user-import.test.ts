/**
 * `tessera import` with the seed's own artefacts (test/fixtures/seed-interop.json: hashes by
 * argon2-cffi, tokens by PyJWT, TOTP codes by pyotp): an imported user signs in over HTTP with
 * the original password, TOTP secret and token; bad lines and collisions write nothing.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli.js";
import { importUsers, parseImportFile } from "../../../src/services/operator/user-import/index.js";
import { getUserById, listAuditEvents } from "../../../src/store/index.js";
import { captureIo } from "../../helpers/cli.js";
import { openTestDatabase } from "../../helpers/database.js";
import { startTestServer, TEST_ARGON2_ENV } from "../../helpers/server.js";
import { coseEc2Key } from "../../helpers/soft-authenticator.js";
import { describeStore } from "../../helpers/store.js";

interface Fixture {
  passwords: { password: string; hash: string; wrong_password: string }[];
  jwt: { secret: string; valid: { token: string; user: { id: string; email: string } }[] };
  totp: { secret: string; codes: { unix_time: number; code: string }[] }[];
}
const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/seed-interop.json", import.meta.url), "utf8"),
) as Fixture;

const seedUser = fixture.jwt.valid[0]!.user;
const seedPassword = fixture.passwords[0]!; // argon2-cffi's default parameters
const seedTotp = fixture.totp[0]!;
const coseKey = coseEc2Key(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey);

/** The fixture's first user as the Python app would export it, with a TOTP secret and a passkey. */
function exportLine(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: seedUser.id,
    name: " ^äRñp?X", // the seed token's name: leading space, trimmed like sign-up does
    email: seedUser.email,
    password_hash: seedPassword.hash,
    is_admin: false,
    totp_secret: seedTotp.secret,
    webauthn_credentials: [
      {
        id: Buffer.from("credential-0").toString("base64"),
        public_key: Buffer.from(coseKey).toString("base64"),
        sign_count: 7,
      },
    ],
    ...overrides,
  });
}

describe("parseImportFile", () => {
  it("reports every bad line with its number and reason", () => {
    const { users, problems } = parseImportFile(
      [
        exportLine(),
        "not json",
        exportLine({ name: "has@at", email: "x@example.org", id: null }),
        exportLine({ password_hash: "$2b$12$bcrypt", email: "y@example.org" }),
        exportLine({ totp_secret: "pending:short", email: "z@example.org" }),
        exportLine({ isAdmin: true }),
        exportLine({ webauthn_credentials: [{ id: "AA", public_key: "AAAA", sign_count: -1 }] }),
      ].join("\n"),
    );
    expect(users.map((u) => u.line)).toEqual([1]);
    expect(problems).toEqual([
      "line 2: not valid JSON",
      expect.stringMatching(/^line 3: name: .*@/),
      expect.stringMatching(/^line 4: password_hash is not an Argon2 PHC string/),
      expect.stringMatching(/^line 5: totp_secret is not a base32 secret/),
      'line 6: unknown field "isAdmin"',
      expect.stringMatching(/^line 7: webauthn_credentials\[0\]\.public_key is not a usable COSE/),
      expect.stringMatching(/^line 7: webauthn_credentials\[0\]\.sign_count/),
    ]);
  });

  it("keeps a pending TOTP secret pending and reads hex passkey fields", () => {
    const { users, problems } = parseImportFile(
      exportLine({
        id: seedUser.id.replaceAll("-", "").toUpperCase(),
        totp_secret: `pending:${seedTotp.secret.toLowerCase()}`,
        webauthn_credentials: [
          { id_hex: "0a0b0c", public_key_hex: Buffer.from(coseKey).toString("hex") },
        ],
      }),
    );
    expect(problems).toEqual([]);
    expect(users[0]).toMatchObject({
      id: seedUser.id,
      name: "^äRñp?X",
      totpSecret: null,
      totpPendingSecret: seedTotp.secret,
      credentials: [{ id: "CgsM", signCount: 0 }],
    });
  });
});

describe("parseImportFile, accounts without a password (issue 24)", () => {
  it("takes password_hash null with a passkey, and refuses it without one", () => {
    const { users, problems } = parseImportFile(
      [
        exportLine({ password_hash: null }),
        exportLine({
          password_hash: null,
          email: "n@example.org",
          id: null,
          webauthn_credentials: [],
        }),
        exportLine({ password_hash: 7, email: "m@example.org", id: null }),
      ].join("\n"),
    );
    expect(users.map((u) => [u.line, u.passwordHash])).toEqual([[1, null]]);
    expect(problems).toEqual([
      "line 2: password_hash null (no password) needs at least one webauthn credential",
      "line 3: password_hash must be a string, or null for an account without a password",
    ]);
  });
});

describeStore("importing the Python app's users", { database: false }, ({ dialect }) => {
  it("imports an account without a password: a password sign-in fails like a wrong one", async () => {
    const server = await startTestServer(dialect, {
      env: { TESSERA_JWT_SECRET: fixture.jwt.secret },
    });
    try {
      const report = await importUsers(
        server.tessera.ctx,
        `${exportLine({ password_hash: null, totp_secret: null })}\n`,
      );
      expect(report.problems).toEqual([]);
      const stored = await getUserById(server.tessera.ctx.db, seedUser.id);
      expect(stored?.passwordHash).toBeNull();
      const login = await server.client().request("POST", "/login", {
        json: { name: seedUser.email, password: seedPassword.password },
      });
      expect(login.status).toBe(400);
      expect(login.body.code).toBe("invalid_credentials");
    } finally {
      await server.close();
    }
  });

  it("signs the imported user in over HTTP with the original password, TOTP secret and token", async () => {
    const server = await startTestServer(dialect, {
      env: { TESSERA_JWT_SECRET: fixture.jwt.secret },
    });
    try {
      const report = await importUsers(server.tessera.ctx, `${exportLine()}\n`);
      expect(report).toMatchObject({ users: 1, withTotp: 1, passkeys: 1, imported: true });
      expect(report.problems).toEqual([]);

      // The seed's own token, made by PyJWT, names the kept id.
      const me = await server.client().request("GET", "/me", {
        headers: { authorization: `Bearer ${fixture.jwt.valid[0]!.token}` },
      });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: seedUser.id, email: seedUser.email });

      // Password (argon2-cffi's hash), then the second factor from pyotp's secret.
      const code = seedTotp.codes[0]!;
      server.clock.set(code.unix_time * 1000);
      const client = server.client();
      const wrong = await client.request("POST", "/login", {
        json: { name: seedUser.email, password: seedPassword.wrong_password },
      });
      expect(wrong.body.code).toBe("invalid_credentials");
      const needs = await client.request("POST", "/login", {
        json: { name: seedUser.email, password: seedPassword.password },
      });
      expect(needs.status).toBe(403);
      expect(needs.body.code).toBe("two_fa_required");
      await client.login("^äRñp?X", seedPassword.password, { two_fa_code: code.code });

      // Re-hashed with Tessera's parameters at that sign-in.
      const stored = await getUserById(server.tessera.ctx.db, seedUser.id);
      expect(stored?.passwordHash).not.toBe(seedPassword.hash);
      expect(stored?.passwordHash).toContain(`m=${TEST_ARGON2_ENV.TESSERA_ARGON2_MEMORY_KIB},`);

      const passkeys = await client.request("GET", `/users/${seedUser.id}/2fa/webauthn`);
      expect(passkeys.status).toBe(200);
      expect(passkeys.body).toHaveLength(1);
      expect(
        await listAuditEvents(server.tessera.ctx.db, {
          userId: seedUser.id,
          event: "user_imported",
        }),
      ).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("writes nothing when one line collides, and a dry run writes nothing at all", async () => {
    const database = await openTestDatabase(dialect);
    const dir = await mkdtemp(join(tmpdir(), "tessera-import-"));
    try {
      const env = {
        NODE_ENV: "test",
        TESSERA_DATABASE_URL: database.url,
        TESSERA_JWT_SECRET: fixture.jwt.secret,
        ...TEST_ARGON2_ENV,
      };
      const good = exportLine();
      const second = exportLine({
        id: null,
        name: "other",
        email: "other@example.org",
        totp_secret: null,
        webauthn_credentials: [],
      });
      const file = join(dir, "users.jsonl");
      // The second line's name differs only in case and width from the first's: one account.
      await writeFile(
        file,
        `${good}\n${second}\n${exportLine({ id: null, name: "^ÄRÑP?X", email: "third@example.org", webauthn_credentials: [] })}\n`,
      );
      const collide = captureIo();
      expect(await runCli(["import", file], env, collide)).toBe(1);
      expect(collide.errors).toContain(`line 3: name "^ÄRÑP?X" collides with line 1`);
      expect(collide.errors.at(-1)).toBe("1 problem(s): nothing was imported.");
      expect(await database.db.selectFrom("users").selectAll().execute()).toEqual([]);

      await writeFile(file, `${good}\n${second}\n`);
      const dry = captureIo();
      expect(await runCli(["import", "--dry-run", file], env, dry)).toBe(0);
      expect(dry.lines.join("\n")).toContain("Dry run");
      expect(dry.lines.join("\n")).toContain("1 user(s) have no id");
      expect(await database.db.selectFrom("users").selectAll().execute()).toEqual([]);

      expect(await runCli(["import", file], env, captureIo())).toBe(0);
      expect(await database.db.selectFrom("users").selectAll().execute()).toHaveLength(2);

      // Importing again: every line collides with the database; still nothing half-done.
      const again = captureIo();
      expect(await runCli(["import", file], env, again)).toBe(1);
      expect(again.errors).toContain(`line 1: id ${seedUser.id} already exists`);
      expect(again.errors).toContain('line 2: the email "other@example.org" is already taken');
      expect(again.errors.join("\n")).toContain("passkey Y3JlZGVudGlhbC0w is already registered");
      expect(await database.db.selectFrom("users").selectAll().execute()).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await database.cleanup();
    }
  });
});
