/**
 * The token routes (src/http/routes/tokens.ts, issue 13 item 4) through a real listening
 * server on SQLite and PostgreSQL: `POST /token` (the login flow, 2FA included, token in the
 * body and no cookie), `POST /token/access` (refused by Tessera as a session token) and
 * `POST /token/introspect` (live and ended sessions, the service credential), and with EdDSA an
 * access token verified by `tessera/verify` through the JWKS with issuer and audience.
 */
import { describe, expect, it } from "vitest";
import { generateTotp } from "../../../src/core/totp.js";
import { createTokenVerifier } from "../../../src/verify.js";
import { describeServer } from "../../helpers/routes.js";
import { startTestServer, TEST_ORIGIN, type TestServer } from "../../helpers/server.js";

const SECRET = "introspection-secret-0123456789-abcdef";
const AUDIENCE = "https://orders.example";
const ENV = {
  TESSERA_INTROSPECTION_SECRET: SECRET,
  TESSERA_TOKEN_AUDIENCE: AUDIENCE,
  TESSERA_ACCESS_TOKEN_MINUTES: "5",
};

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

/** Signs in through POST /token (no Origin, no cookie: an API client). */
async function tokenFor(server: TestServer, name: string, password: string) {
  const response = await server
    .client()
    .request("POST", "/token", { json: { name, password }, origin: null });
  expect(response.status).toBe(200);
  return response;
}

async function accessTokenFor(server: TestServer, sessionToken: string): Promise<string> {
  const response = await server.client().request("POST", "/token/access", {
    headers: { authorization: `Bearer ${sessionToken}` },
    origin: null,
  });
  expect(response.status).toBe(200);
  return response.body.access_token as string;
}

function introspect(
  server: TestServer,
  token: string,
  options: { credential?: string | null; form?: boolean } = {},
) {
  const headers: Record<string, string> = {};
  const credential = options.credential === undefined ? SECRET : options.credential;
  if (credential !== null) headers.authorization = `Bearer ${credential}`;
  if (options.form === true) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    return server.client().request("POST", "/token/introspect", {
      headers,
      body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
      origin: null,
    });
  }
  return server
    .client()
    .request("POST", "/token/introspect", { headers, json: { token }, origin: null });
}

describeServer(
  "token routes",
  (server) => {
    describe("POST /token", () => {
      it("answers the session token in the body and sets no cookie", async () => {
        const user = await server.createUser({});
        const response = await tokenFor(server, user.name, user.password);
        expect(response.headers.getSetCookie()).toEqual([]);
        expect(response.body).toMatchObject({
          token_type: "Bearer",
          session_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
          user: { id: user.id, name: user.name, is_admin: false },
        });
        expect(response.body.user).not.toHaveProperty("password_hash");
        const maxAge = Math.min(
          server.config.jwtValidityHours * 3600,
          server.config.sessionIdleMinutes * 60,
        );
        expect(response.body.expires_in).toBe(maxAge);
        expect(claimsOf(response.body.access_token)).toMatchObject({
          id: user.id,
          sid: response.body.session_id,
        });
        const me = await server.client().request("GET", "/me", {
          headers: { authorization: `Bearer ${response.body.access_token}` },
        });
        expect(me.status).toBe(200);
        expect(me.body).toMatchObject({ id: user.id });
      });

      it("refuses a wrong password like /login, and a foreign page", async () => {
        const user = await server.createUser({});
        const wrong = await server.client().request("POST", "/token", {
          json: { name: user.name, password: "wrong password" },
          origin: null,
        });
        expect(wrong.status).toBe(400);
        expect(wrong.body.code).toBe("invalid_credentials");
        const foreign = await server.client().request("POST", "/token", {
          json: { name: user.name, password: user.password },
          origin: "https://evil.example",
        });
        expect(foreign.status).toBe(403);
        expect(foreign.body.code).toBe("csrf");
        // Our own pages may use it too.
        const own = await server.client().request("POST", "/token", {
          json: { name: user.name, password: user.password },
          origin: TEST_ORIGIN,
        });
        expect(own.status).toBe(200);
      });

      it("asks for a second factor with 403 two_fa_required, then accepts a TOTP code", async () => {
        const user = await server.createUser({});
        const client = server.client();
        await client.login(user.name, user.password);
        const setup = await client.request("POST", `/users/${user.id}/2fa/totp/setup`);
        expect(setup.status).toBe(200);
        const confirm = await client.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
          json: { code: generateTotp(setup.body.secret, { clock: server.clock }) },
        });
        expect(confirm.body).toEqual({ is_configured: true });

        const api = server.client();
        const needs = await api.request("POST", "/token", {
          json: { name: user.name, password: user.password },
          origin: null,
        });
        expect(needs.status).toBe(403);
        expect(needs.body).toMatchObject({
          code: "two_fa_required",
          extra: { user_id: user.id, totp_supported: true, webauthn_supported: false },
        });
        expect(needs.headers.getSetCookie()).toEqual([]);

        server.clock.advance(30_000); // the confirmation used the current step
        const code = generateTotp(setup.body.secret, { clock: server.clock });
        const done = await api.request("POST", "/token", {
          json: { name: user.name, password: user.password, two_fa_code: code },
          origin: null,
        });
        expect(done.status).toBe(200);
        expect(done.headers.getSetCookie()).toEqual([]);
        expect(done.body.user).toMatchObject({ id: user.id, totp_enabled: true });
        const replay = await api.request("POST", "/token", {
          json: { name: user.name, password: user.password, two_fa_code: code },
          origin: null,
        });
        expect(replay.status).toBe(400);
        expect(replay.body.code).toBe("invalid_two_fa_code");
      });
    });

    describe("POST /token/access", () => {
      it("issues a short-lived token that Tessera refuses as a session token", async () => {
        const user = await server.createUser({});
        const session = (await tokenFor(server, user.name, user.password)).body;
        const response = await server.client().request("POST", "/token/access", {
          headers: { authorization: `Bearer ${session.access_token}` },
          origin: null,
        });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ token_type: "Bearer", expires_in: 300 });
        const access = response.body.access_token as string;
        const claims = claimsOf(access);
        const now = Math.floor(server.clock() / 1000);
        expect(claims).toMatchObject({
          iss: TEST_ORIGIN,
          sub: user.id,
          id: user.id,
          sid: session.session_id,
          aud: AUDIENCE,
          iat: now,
          exp: now + 300,
          token_use: "access",
          roles: [],
          permissions: [],
        });
        expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
        const again = await accessTokenFor(server, session.access_token);
        expect(claimsOf(again).jti).not.toBe(claims.jti);

        const carriers: Record<string, string>[] = [
          { authorization: `Bearer ${access}` },
          { cookie: `token=${access}` },
        ];
        for (const headers of carriers) {
          const me = await server.client().request("GET", "/me", { headers });
          expect(me.status).toBe(401);
          expect(me.body.code).toBe("not_authorized");
        }
        // Nor can it mint more of itself.
        const chained = await server.client().request("POST", "/token/access", {
          headers: { authorization: `Bearer ${access}` },
          origin: null,
        });
        expect(chained.status).toBe(401);
      });

      it("needs a signed-in session", async () => {
        const response = await server.client().request("POST", "/token/access", { origin: null });
        expect(response.status).toBe(401);
        expect(response.body.code).toBe("not_authorized");
      });
    });

    describe("POST /token/introspect", () => {
      it("answers active for a live session and inactive once it has ended", async () => {
        const user = await server.createUser({});
        const session = (await tokenFor(server, user.name, user.password)).body;
        const access = await accessTokenFor(server, session.access_token);
        const now = Math.floor(server.clock() / 1000);
        for (const form of [false, true]) {
          const live = await introspect(server, access, { form });
          expect(live.status).toBe(200);
          expect(live.body).toEqual({
            active: true,
            sub: user.id,
            sid: session.session_id,
            iss: TEST_ORIGIN,
            aud: AUDIENCE,
            iat: now,
            exp: now + 300,
            roles: [],
            permissions: [],
            token_type: "Bearer",
            token_use: "access",
          });
        }
        expect((await introspect(server, "not.a.token")).body).toEqual({ active: false });

        const out = await server.client().request("POST", "/logout", {
          headers: { authorization: `Bearer ${session.access_token}` },
          origin: null,
        });
        expect(out.status).toBe(200);
        expect((await introspect(server, access)).body).toEqual({ active: false });
      });

      it("reports a session token from POST /token active while its session lives, as token_use session", async () => {
        // Issue 18 item 7: it was reported { active: false }.
        const user = await server.createUser({});
        const session = (await tokenFor(server, user.name, user.password)).body;
        const claims = claimsOf(session.access_token);
        for (const form of [false, true]) {
          const live = await introspect(server, session.access_token, { form });
          expect(live.status).toBe(200);
          expect(live.body).toEqual({
            active: true,
            sub: user.id,
            sid: session.session_id,
            iat: claims.iat,
            exp: claims.exp,
            roles: [],
            permissions: [],
            token_type: "Bearer",
            token_use: "session",
          });
        }
        const out = await server.client().request("POST", "/logout", {
          headers: { authorization: `Bearer ${session.access_token}` },
          origin: null,
        });
        expect(out.status).toBe(200);
        expect((await introspect(server, session.access_token)).body).toEqual({ active: false });
      });

      it("accepts the secret as HTTP Basic client credentials (RFC 7662 §2.1), any client id", async () => {
        const user = await server.createUser({});
        const session = (await tokenFor(server, user.name, user.password)).body;
        const basic = (id: string, secret: string) =>
          `Basic ${Buffer.from(`${id}:${secret}`, "utf8").toString("base64")}`;
        const ask = (authorization: string) =>
          server.client().request("POST", "/token/introspect", {
            headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ token: session.access_token }).toString(),
            origin: null,
          });
        for (const authorization of [
          basic("orders", SECRET),
          basic("", SECRET),
          // RFC 6749 §2.3.1: client id and secret form-encoded before base64.
          basic("orders%20service", encodeURIComponent(SECRET).replace(/-/g, "%2D")),
        ]) {
          const answer = await ask(authorization);
          expect(answer.status, authorization).toBe(200);
          expect(answer.body.active).toBe(true);
        }
        for (const authorization of [
          basic("orders", `${SECRET}x`),
          basic(SECRET, ""),
          `Basic ${SECRET}`,
          "Basic !!!",
          basic("orders", SECRET).replace("Basic", "Digest"),
        ]) {
          const answer = await ask(authorization);
          expect(answer.status, authorization).toBe(401);
          expect(answer.body.code).toBe("not_authorized");
        }
      });

      it("says how to authenticate on a 401 (WWW-Authenticate, RFC 7235 §4.1)", async () => {
        for (const credential of [null, `${SECRET}x`]) {
          const response = await introspect(server, "x", { credential });
          expect(response.status).toBe(401);
          const challenge = response.headers.get("www-authenticate") ?? "";
          expect(challenge).toMatch(/^Basic realm="tessera"/);
          expect(challenge).toMatch(/Bearer realm="tessera"/);
        }
      });

      it("answers 405 method_not_allowed with Allow: POST to another method", async () => {
        for (const method of ["GET", "PUT", "DELETE"]) {
          const response = await server.client().request(method, "/token/introspect", {
            headers: { authorization: `Bearer ${SECRET}` },
            origin: null,
          });
          expect(response.status, method).toBe(405);
          expect(response.headers.get("allow")).toBe("POST");
          expect(response.body).toMatchObject({ status_code: 405, code: "method_not_allowed" });
        }
      });

      it("answers inactive once the access token has expired", async () => {
        const user = await server.createUser({});
        const session = (await tokenFor(server, user.name, user.password)).body;
        const access = await accessTokenFor(server, session.access_token);
        expect((await introspect(server, access)).body.active).toBe(true);
        server.clock.advance(300_000);
        expect((await introspect(server, access)).body).toEqual({ active: false });
      });

      it("refuses a missing or wrong credential with 401, before reading the body", async () => {
        const user = await server.createUser({});
        const session = (await tokenFor(server, user.name, user.password)).body;
        const access = await accessTokenFor(server, session.access_token);
        for (const credential of [null, `${SECRET}x`, SECRET.slice(1), access]) {
          const response = await introspect(server, access, { credential });
          expect(response.status).toBe(401);
          expect(response.body.code).toBe("not_authorized");
          expect(response.body).not.toHaveProperty("active");
        }
        const malformed = await server.client().request("POST", "/token/introspect", {
          headers: { authorization: "Bearer nope", "content-type": "application/json" },
          body: "{",
          origin: null,
        });
        expect(malformed.status).toBe(401);
      });

      it("answers 400 for a body without a token, and for a repeated form field", async () => {
        const missing = await server.client().request("POST", "/token/introspect", {
          headers: { authorization: `Bearer ${SECRET}` },
          json: {},
          origin: null,
        });
        expect(missing.status).toBe(400);
        const twice = await server.client().request("POST", "/token/introspect", {
          headers: {
            authorization: `Bearer ${SECRET}`,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: "token=a&token=b",
          origin: null,
        });
        expect(twice.status).toBe(400);
        expect(twice.body.code).toBeTypeOf("string");
      });
    });
  },
  { env: ENV },
);

describe("POST /token/introspect without TESSERA_INTROSPECTION_SECRET", () => {
  it("answers 404, whatever the credential", async () => {
    const server = await startTestServer("sqlite");
    try {
      for (const authorization of [undefined, "Bearer anything-at-all-0123456789-0123456789"]) {
        const response = await server.client().request("POST", "/token/introspect", {
          headers: authorization === undefined ? {} : { authorization },
          json: { token: "x" },
          origin: null,
        });
        expect(response.status).toBe(404);
        expect(response.body.code).toBe("not_found");
      }
    } finally {
      await server.close();
    }
  });
});

describeServer(
  "EdDSA access tokens",
  (server) => {
    it("verify through tessera/verify with the configured issuer and audience", async () => {
      const user = await server.createUser({});
      const session = (await tokenFor(server, user.name, user.password)).body;
      const access = await accessTokenFor(server, session.access_token);
      expect(JSON.parse(Buffer.from(access.split(".")[0]!, "base64url").toString())).toMatchObject({
        alg: "EdDSA",
      });
      const jwksUrl = `${server.baseUrl}/.well-known/jwks.json`;
      const verifier = createTokenVerifier({
        jwksUrl,
        issuer: TEST_ORIGIN,
        audience: AUDIENCE,
        clock: server.clock,
      });
      const verified = await verifier.verify(access);
      expect(verified).toMatchObject({ id: user.id, sessionId: session.session_id });
      // The session token has no aud: a service expecting one refuses it.
      expect(await verifier.verify(session.access_token)).toBeNull();
      const otherAudience = createTokenVerifier({
        jwksUrl,
        issuer: TEST_ORIGIN,
        audience: "https://another.example",
        clock: server.clock,
      });
      expect(await otherAudience.verify(access)).toBeNull();
      const otherIssuer = createTokenVerifier({
        jwksUrl,
        issuer: "https://not-tessera.example",
        audience: AUDIENCE,
        clock: server.clock,
      });
      expect(await otherIssuer.verify(access)).toBeNull();
      // And Tessera still refuses it as a session.
      const me = await server.client().request("GET", "/me", {
        headers: { authorization: `Bearer ${access}` },
      });
      expect(me.status).toBe(401);
    });
  },
  { env: { ...ENV, TESSERA_JWT_ALGORITHM: "EdDSA" } },
);
