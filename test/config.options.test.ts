/**
 * Typed options (`resolveConfig`, `createTessera({ … })`): the same rows as the variables, so
 * the same defaults, ranges and derived settings, without an environment; a resolved
 * configuration passes through `createTessera` as it is.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfigError,
  loadConfig,
  resolveConfig,
  type TesseraConfig,
  type TesseraOptions,
} from "../src/config/index.js";
import { createTessera } from "../src/runtime.js";
import { openTestDatabase, type TestDatabase } from "./helpers/database.js";
import { createDiscardMailTransport } from "./helpers/smtp.js";

const SECRET = randomBytes(32).toString("base64url");

/** A configuration without its key ring, to compare two. */
function comparable(config: TesseraConfig) {
  const { jwtKeys, ...rest } = config;
  return { ...rest, kid: jwtKeys.signing.kid };
}

/** The problems `resolveConfig(options)` reports. */
function problems(options: TesseraOptions): readonly string[] {
  try {
    resolveConfig({ jwtSecret: SECRET, ...options });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("resolveConfig", () => {
  it("gives what loadConfig gives for the same settings as variables", () => {
    const env = {
      TESSERA_JWT_SECRET: SECRET,
      TESSERA_DATABASE_URL: "postgres://u@127.0.0.1/db",
      TESSERA_DATA_DIR: "/nonexistent-tessera-test-dir",
      TESSERA_PORT: "3000",
      TESSERA_SESSION_IDLE_MINUTES: "60",
      TESSERA_ARGON2_MEMORY_KIB: "1024",
      TESSERA_METRICS: "true",
      TESSERA_METRICS_ALLOW: "10.0.0.0/8, loopback",
      TESSERA_SESSION_CACHE: "off",
      TESSERA_BREACHED_PASSWORDS_URL: "https://api.pwnedpasswords.com/range/",
      TESSERA_REQUIRE_2FA: "admins",
    };
    const options: TesseraOptions = {
      jwtSecret: SECRET,
      databaseUrl: "postgres://u@127.0.0.1/db",
      dataDir: "/nonexistent-tessera-test-dir",
      port: 3000,
      sessionIdleMinutes: 60,
      argon2: { memoryKib: 1024 },
      metrics: { enabled: true, allow: ["10.0.0.0/8", " loopback"] },
      sessionCache: false,
      breachedPasswords: { url: "https://api.pwnedpasswords.com/range/" },
      requireTwoFa: "admins",
    };
    expect(comparable(resolveConfig(options))).toEqual(comparable(loadConfig(env)));
    // Nothing given: the documented defaults, as for an empty environment.
    const empty = { dataDir: "/nonexistent-tessera-test-dir", jwtSecret: SECRET };
    expect(comparable(resolveConfig(empty))).toEqual(
      comparable(
        loadConfig({
          TESSERA_DATA_DIR: "/nonexistent-tessera-test-dir",
          TESSERA_JWT_SECRET: SECRET,
        }),
      ),
    );
  });

  it("reads no environment", () => {
    const saved = process.env.TESSERA_SESSION_IDLE_MINUTES;
    process.env.TESSERA_SESSION_IDLE_MINUTES = "60";
    try {
      expect(resolveConfig({ jwtSecret: SECRET }).sessionIdleMinutes).toBe(1440);
    } finally {
      if (saved === undefined) delete process.env.TESSERA_SESSION_IDLE_MINUTES;
      else process.env.TESSERA_SESSION_IDLE_MINUTES = saved;
    }
  });

  it("checks each option by its row, and reports every problem at once, by field", () => {
    expect(
      problems({
        sessionIdleMinutes: 1,
        jwtValidityHours: 0,
        tokenClaims: "all" as "seed",
        trustedProxies: ["not-an-address"],
        publicUrl: "ftp://x",
        smtpUrl: "http://user:hunter2@mail.example.com",
      }),
    ).toEqual([
      'publicUrl: expected an http(s) URL, got "ftp://x"',
      "jwtValidityHours: expected a number from 0.01 to 8784, got 0",
      'trustedProxies: "not-an-address" is not an IP address, a CIDR range or loopback/linklocal/uniquelocal',
      "sessionIdleMinutes: expected a whole number from 2 to 527040, got 1",
      'tokenClaims: expected minimal or seed, got "all"',
      "smtpUrl: expected smtp://user:pass@host:port or smtps://…",
    ]);
    expect(problems({ sessionIdleMinutes: 2.5 })).toEqual([
      "sessionIdleMinutes: expected a whole number from 2 to 527040, got 2.5",
    ]);
    expect(problems({ sessionCache: "off" as unknown as boolean })).toEqual([
      'sessionCache: expected true or false, got "off"',
    ]);
  });

  it("names the fields in a rule across them", () => {
    expect(problems({ argon2: { memoryKib: 8, parallelism: 2 } })).toEqual([
      "argon2.memoryKib: must be at least 8 × argon2.parallelism (RFC 9106 §3.1)",
    ]);
    expect(problems({ headersTimeoutSeconds: 20, requestTimeoutSeconds: 10 })).toEqual([
      "headersTimeoutSeconds (20) must not exceed requestTimeoutSeconds (10)",
    ]);
    expect(problems({ nodeEnv: "production", publicUrl: "http://auth.example.com" })).toEqual([
      "publicUrl: must be https in production (cookies and passkeys need it)",
    ]);
  });

  it("refuses a field that is not a setting, rather than ignoring it", () => {
    expect(
      problems({ sessionIdle: 60, argon2: { memory: 1 } } as unknown as TesseraOptions),
    ).toEqual(["sessionIdle: not a setting", "argon2.memory: not a setting"]);
  });

  it("reads strings as the variables are read, and null as none", () => {
    const config = resolveConfig({
      jwtSecret: ` ${SECRET} `,
      publicUrl: " https://auth.example.com/ ",
      appName: "",
      redisUrl: null,
      tokenAudience: null,
    });
    expect(config.publicUrl).toBe("https://auth.example.com");
    expect(config.publicUrlIsDefault).toBe(false);
    expect(config.appName).toBe("Tessera");
    expect(config.redisUrl).toBeNull();
    expect(config.tokenAudience).toBeNull();
    expect(config.webauthn).toEqual({
      rpId: "auth.example.com",
      rpName: "Tessera",
      origins: ["https://auth.example.com"],
    });
  });
});

describe("createTessera with typed options", () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  it("resolves them through the table, and runs a resolved configuration as it is", async () => {
    database = await openTestDatabase("sqlite");
    const overrides = { database, mailTransport: createDiscardMailTransport() };
    const typed = await createTessera(
      {
        jwtSecret: SECRET,
        publicUrl: "https://auth.example.com",
        argon2: { memoryKib: 1024, iterations: 1 },
        sessionIdleMinutes: 60,
        logLevel: "silent",
      },
      overrides,
    );
    try {
      expect(typed.config.sessionIdleMinutes).toBe(60);
      expect(typed.config.accessTokenMinutes).toBe(10);
      expect(typed.ctx.settings.argon2).toEqual({ memoryKib: 1024, iterations: 1, parallelism: 1 });
    } finally {
      await typed.close();
    }
    const config = { ...typed.config, sessionCache: false };
    const resolved = await createTessera(config, overrides);
    try {
      expect(resolved.config).toBe(config);
      expect(resolved.sessionCache).toBeNull();
    } finally {
      await resolved.close();
    }
    await expect(createTessera({ sessionIdleMinutes: 1 }, overrides)).rejects.toThrow(ConfigError);
  });
});
