/**
 * Host apps read the signed-in user without `!`: `requireUser` and `requireAuthenticated` are
 * typed non-null, while `request.user` itself stays `AuthenticatedUser | null` (sound: it is
 * null on excluded routes). The type assertions are checked by `npm run typecheck`.
 */
import { randomBytes } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { frozenClock } from "../../src/core/clock.js";
import { createJwt, createJwtKeyRing } from "../../src/core/jwt/index.js";
import type { AuthenticatedUser, AuthenticationResult } from "../../src/http/authentication.js";
import { tessera } from "../../src/http/plugin.js";
import { isAuthenticated, requireAuthenticated, requireUser } from "../../src/http/require-user.js";
import { createTessera } from "../../src/runtime.js";
import { createUser } from "../../src/services/account/users.js";
import { migrateToLatest } from "../../src/store/index.js";
import { openTestDatabase, type TestDatabase } from "../helpers/database.js";
import { testConfig } from "../helpers/server.js";

const secret = randomBytes(32).toString("base64url");
const keys = createJwtKeyRing(secret);
let app: FastifyInstance;
let database: TestDatabase;
let token = "";

beforeAll(async () => {
  database = await openTestDatabase("sqlite");
  await migrateToLatest(database.db);
  const clock = frozenClock(Date.UTC(2026, 10, 28, 12));
  // Fastify's own error handler, as a host app that installs none has.
  app = Fastify({ logger: false });
  const config = testConfig({ TESSERA_JWT_SECRET: secret, TESSERA_JWT_VALIDITY_HOURS: "1" });
  const parts = await createTessera(config, { database, clock });
  await app.register(tessera, { tessera: parts });
  app.get("/mine", async (request) => {
    // @ts-expect-error -- request.user may be null (excluded routes): the augmentation stays sound.
    void request.user.name;
    const user = requireUser(request);
    expectTypeOf(user).toEqualTypeOf<AuthenticatedUser>();
    const authenticated = requireAuthenticated(request);
    expectTypeOf(authenticated.auth).toEqualTypeOf<AuthenticationResult["auth"]>();
    return { name: user.name, source: authenticated.auth.source };
  });
  app.get("/open", { config: { excludeFromAuth: true } }, async (request) => {
    if (isAuthenticated(request)) return { name: request.user.name };
    return { name: requireUser(request).name };
  });
  await app.ready();
  const user = await createUser(app.tessera, null, {
    name: "alice",
    email: "alice@example.org",
    password: "correct horse battery",
    mustChangePassword: false,
  });
  token = createJwt({ ...user, tokenVersion: user.tokenVersion }, 1, { keys, clock });
});

afterAll(async () => {
  await app.close();
  await database.cleanup();
});

describe("requireUser", () => {
  it("gives the signed-in user on a protected route", async () => {
    const response = await app.inject({
      url: "/mine",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: "alice", source: "bearer" });
  });

  it("answers 401 (through the host's own error handler) on a route excluded from authentication", async () => {
    const response = await app.inject({ url: "/open" });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ statusCode: 401, code: "not_authorized" });
  });
});
