/**
 * `src/config/`: the environment schema against the README's table, every documented rule,
 * every bad value named, and where the generated secret is kept.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, ENVIRONMENT, JWT_SECRET_FILE, loadConfig } from "../src/config/index.js";

const SECRET = "a".repeat(43);
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tessera-config-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The variable names in the README's "Configuration" table, in order. */
function documentedVariables(): string[] {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? "";
  const rows = section.split("\n").filter((line) => /^\| `/.test(line));
  return rows.flatMap((row) => {
    const first = row.split("|")[1] ?? "";
    return [...first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);
  });
}

/** Every `TESSERA_*` name that appears in the source (outside tests). */
function variablesInSource(dir = new URL("../src/", import.meta.url).pathname): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      for (const name of variablesInSource(path)) found.add(name);
    } else if (/\.ts$/.test(entry)) {
      for (const match of readFileSync(path, "utf8").matchAll(/\bTESSERA_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        found.add(match[0]);
      }
    }
  }
  return found;
}

describe("the environment schema", () => {
  it("documents every variable it declares in the README's table, in the same order", () => {
    expect(documentedVariables()).toEqual(ENVIRONMENT.map((v) => v.name));
  });

  it("declares every TESSERA_ variable the source mentions", () => {
    const declared = new Set(ENVIRONMENT.map((v) => v.name));
    const undeclared = [...variablesInSource()].filter((name) => !declared.has(name));
    expect(undeclared).toEqual([]);
  });

  it("shows each declared default in the README's row", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const variable of ENVIRONMENT) {
      const row = readme
        .split("\n")
        // The row that declares it (its first cell), not one that mentions it.
        .find(
          (line) => line.startsWith("|") && line.split("|")[1]!.includes(`\`${variable.name}\``),
        );
      expect(row, variable.name).toBeDefined();
      const plain = row?.replaceAll("`", "");
      if (variable.default !== "none") expect(plain, variable.name).toContain(variable.default);
    }
  });
});

describe("loadConfig", () => {
  it("gives the documented defaults", () => {
    const dataDir = tempDir();
    const config = loadConfig({ TESSERA_DATA_DIR: dataDir, TESSERA_JWT_SECRET: SECRET });
    expect(config).toMatchObject({
      databaseUrl: "./data/tessera.db",
      redisUrl: null,
      host: "127.0.0.1",
      port: 8000,
      publicUrl: "http://localhost:8000",
      jwtValidityHours: 168,
      appName: "Tessera",
      argon2: { memoryKib: 19456, iterations: 2, parallelism: 1 },
      totpWindow: 1,
      maxBodyBytes: 65536,
      addressMaxFailures: 100,
      addressWindowMinutes: 15,
      secureCookie: false,
      adminEmail: "admin@tessera.invalid",
      production: false,
      sessionIdleMinutes: 1440,
      sessionRetentionDays: 30,
      tokenClaims: "minimal",
      legacyTokens: "accept",
      sessionCache: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reports every bad value at once, each with its variable's name", () => {
    let error: unknown;
    try {
      loadConfig({
        TESSERA_PORT: "eighty",
        TESSERA_REDIS_URL: "http://cache",
        TESSERA_PUBLIC_URL: "ftp://x",
        TESSERA_ARGON2_ITERATIONS: "0",
        TESSERA_TOTP_WINDOW: "11",
        TESSERA_TRUSTED_PROXIES: "not-an-address",
        TESSERA_DATABASE_URL: "mysql://db",
        TESSERA_SESSION_IDLE_MINUTES: "1",
        TESSERA_TOKEN_CLAIMS: "all",
        TESSERA_LEGACY_TOKENS: "maybe",
        TESSERA_SESSION_CACHE: "yes",
        TESSERA_JWT_SECRET: SECRET,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const name of [
      "TESSERA_PORT",
      "TESSERA_REDIS_URL",
      "TESSERA_PUBLIC_URL",
      "TESSERA_ARGON2_ITERATIONS",
      "TESSERA_TOTP_WINDOW",
      "TESSERA_TRUSTED_PROXIES",
      "TESSERA_DATABASE_URL",
      "TESSERA_SESSION_IDLE_MINUTES",
      "TESSERA_TOKEN_CLAIMS",
      "TESSERA_LEGACY_TOKENS",
      "TESSERA_SESSION_CACHE",
    ]) {
      expect(problems).toContain(name);
    }
  });

  it("reads the mail settings and refuses a bad SMTP URL or sender without echoing a password", () => {
    const base = { TESSERA_DATA_DIR: tempDir(), TESSERA_JWT_SECRET: SECRET };
    expect(loadConfig(base)).toMatchObject({
      smtpUrl: null,
      mailFrom: '"Tessera" <no-reply@localhost>',
    });
    expect(
      loadConfig({
        ...base,
        TESSERA_SMTP_URL: "smtps://u:p@mail.example.com:465",
        TESSERA_MAIL_FROM: "Acme <auth@acme.example>",
      }),
    ).toMatchObject({
      smtpUrl: "smtps://u:p@mail.example.com:465",
      mailFrom: "Acme <auth@acme.example>",
    });
    let error: unknown;
    try {
      loadConfig({
        ...base,
        TESSERA_SMTP_URL: "http://user:hunter2hunter2@mail.example.com",
        TESSERA_MAIL_FROM: "a@b.example\r\nBcc: victim@example.org",
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toContain("TESSERA_SMTP_URL");
    expect(problems).toContain("TESSERA_MAIL_FROM");
    expect(problems).not.toContain("hunter2");
  });

  it("refuses a short secret and requires one in production", () => {
    expect(() => loadConfig({ TESSERA_JWT_SECRET: "short" })).toThrow(/TESSERA_JWT_SECRET/);
    expect(() =>
      loadConfig({ NODE_ENV: "production", TESSERA_PUBLIC_URL: "https://auth.example.com" }),
    ).toThrow(/TESSERA_JWT_SECRET: required in production/);
    expect(() =>
      loadConfig({
        NODE_ENV: "production",
        TESSERA_JWT_SECRET: SECRET,
        TESSERA_PUBLIC_URL: "http://auth.example.com",
      }),
    ).toThrow(/must be https in production/);
  });

  it("makes a 0600 secret beside a SQLite file named by a file:// or sqlite:/// URL", () => {
    for (const scheme of ["file://", "sqlite://"]) {
      const dir = tempDir();
      const config = loadConfig({ TESSERA_DATABASE_URL: `${scheme}${dir}/x.db` });
      expect(config.dataDir).toBe(dir);
      const file = join(dir, JWT_SECRET_FILE);
      expect(existsSync(file)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // The same secret on the next start.
      const again = loadConfig({ TESSERA_DATABASE_URL: `${scheme}${dir}/x.db` });
      expect(again.jwtKeys.signing.kid).toBe(config.jwtKeys.signing.kid);
      expect(existsSync(join(process.cwd(), "file:"))).toBe(false);
    }
  });

  it("keeps the secret in ./data for PostgreSQL unless TESSERA_DATA_DIR says otherwise", () => {
    const dir = tempDir();
    const config = loadConfig({
      TESSERA_DATABASE_URL: "postgres://u@127.0.0.1/db",
      TESSERA_DATA_DIR: dir,
    });
    expect(config.dataDir).toBe(dir);
  });

  it("marks the cookie Secure everywhere but plain-http loopback", () => {
    const base = { TESSERA_JWT_SECRET: SECRET };
    expect(loadConfig({ ...base, TESSERA_PUBLIC_URL: "http://127.0.0.1:8000" }).secureCookie).toBe(
      false,
    );
    expect(
      loadConfig({ ...base, TESSERA_PUBLIC_URL: "https://auth.example.com" }).secureCookie,
    ).toBe(true);
  });
});
