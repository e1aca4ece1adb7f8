/**
 * `tessera/verify` against a real Tessera: a second Fastify app verifies Tessera's session tokens
 * only through the JWKS URL over HTTP, follows a key rotation (one refetch), and refuses a token
 * of a key not in the JWKS, one with `alg` changed, and `alg: HS256` keyed with the public key.
 * PyJWT (the seed's library) verifies the same tokens with the published keys. With HS256
 * sessions the JWKS holds only the OpenID provider's RS256 key: tessera/verify checks RS256,
 * and refuses an ID token signed with it.
 */
import { spawnSync } from "node:child_process";
import { createHmac, createPrivateKey, sign as signWithKey, type KeyObject } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateJwtKeyPair } from "../src/core/jwk.js";
import { createJwt, createJwtKeyRing } from "../src/core/jwt/index.js";
import { rotateSigningKey } from "../src/services/keys/signing-keys.js";
import { signingKeySettings } from "../src/runtime.js";
import {
  createTokenVerifier,
  tesseraVerifier,
  tokenUser,
  type TokenVerifier,
} from "../src/verify.js";
import { TEST_ORIGIN, startTestServer, type TestServer } from "./helpers/server.js";

const PYTHON = "/usr/bin/python3";
const probe = spawnSync(PYTHON, ["-c", "import jwt, cryptography; print(jwt.__version__)"], {
  encoding: "utf8",
});
const pyjwt = probe.status === 0;
const inCi = process.env.CI === "true";
const pyjwtReason =
  `PyJWT with cryptography is not importable by ${PYTHON} (${probe.stderr.trim()}); ` +
  "install Debian's python3-jwt and python3-cryptography";
if (!pyjwt && !inCi) console.warn(`Skipping the PyJWT EdDSA/ES256 test: ${pyjwtReason}`);

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe.each(["EdDSA", "ES256"] as const)("tokens signed with %s", (algorithm) => {
  let tessera: TestServer;
  let resource: FastifyInstance;
  let resourceUrl: string;
  let verifier: TokenVerifier;
  let user: Awaited<ReturnType<TestServer["createUser"]>>;
  let token: string;

  beforeAll(async () => {
    tessera = await startTestServer("sqlite", { env: { TESSERA_JWT_ALGORITHM: algorithm } });
    verifier = createTokenVerifier({
      jwksUrl: `${tessera.baseUrl}/.well-known/jwks.json`,
      clock: tessera.clock,
    });
    resource = Fastify();
    await resource.register(tesseraVerifier, { verifier });
    resource.get("/orders", async (request) => ({ user: tokenUser(request).id }));
    resource.get("/open", { config: { excludeFromAuth: true } }, async () => ({ open: true }));
    await resource.listen({ host: "127.0.0.1", port: 0 });
    const address = resource.server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    resourceUrl = `http://127.0.0.1:${address.port}`;
    user = await tessera.createUser({});
    const client = tessera.client();
    await client.login(user.name, user.password);
    token = client.cookies.get("token")!;
  });
  afterAll(async () => {
    await resource?.close();
    await tessera?.close();
  });

  const call = (bearer: string | null, path = "/orders") =>
    fetch(
      resourceUrl + path,
      bearer === null ? {} : { headers: { authorization: `Bearer ${bearer}` } },
    );

  it("publishes the signing key in the JWKS, cacheable, and signs sessions with it", async () => {
    const response = await fetch(`${tessera.baseUrl}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    const jwks = (await response.json()) as { keys: { kid: string; alg: string }[] };
    // One JWKS for everything: the session key and the OpenID provider's RS256 key.
    expect(jwks.keys.map((key) => key.alg).sort()).toEqual([algorithm, "RS256"].sort());
    const sessionKey = jwks.keys.find((key) => key.alg === algorithm)!;
    expect(sessionKey).toMatchObject({ alg: algorithm, use: "sig" });
    for (const key of jwks.keys) expect(key).not.toHaveProperty("d");
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as {
      alg: string;
      kid: string;
    };
    expect(header).toMatchObject({ alg: algorithm, kid: sessionKey.kid });
    // Tessera itself accepts its own token.
    expect(
      (
        await tessera
          .client()
          .request("GET", "/me", { headers: { authorization: `Bearer ${token}` } })
      ).status,
    ).toBe(200);
  });

  it("lets the second service verify through the JWKS alone, and refuse what is not valid", async () => {
    const ok = await call(token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ user: user.id });
    expect((await call(null)).status).toBe(401);
    expect((await call(null, "/open")).status).toBe(200);
    // Signed by a key the JWKS does not hold (under a kid of its own, and under Tessera's kid).
    const stranger = generateJwtKeyPair(algorithm);
    const subject = { id: user.id, name: user.name, email: user.email };
    expect((await call(createJwt(subject, 1, { keys: createJwtKeyRing(stranger) }))).status).toBe(
      401,
    );
    const kid = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid as string;
    const impostor = createJwt(subject, 1, { keys: createJwtKeyRing({ ...stranger, kid }) });
    expect((await call(impostor)).status).toBe(401);
    // `alg` changed, and `alg: HS256` with the published public key as the HMAC secret.
    const [, payload, signature] = token.split(".");
    const swapped = algorithm === "EdDSA" ? "ES256" : "EdDSA";
    expect(
      (await call(`${b64({ alg: swapped, typ: "JWT", kid })}.${payload}.${signature}`)).status,
    ).toBe(401);
    const jwks = (await (await fetch(`${tessera.baseUrl}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    const input = `${b64({ alg: "HS256", typ: "JWT", kid })}.${payload}`;
    const published = jwks.keys.find((key) => key.kid === kid);
    for (const secret of [JSON.stringify(published), JSON.stringify(jwks)]) {
      const confused = `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
      expect((await call(confused)).status).toBe(401);
    }
  });

  it("follows a rotation: the old token still passes, the new one names the new kid, one refetch", async () => {
    const before = verifier.fetches;
    // Past the refetch cooldown of the fetches above.
    tessera.clock.advance(31_000);
    const kid = await rotateSigningKey(
      tessera.tessera.database.db,
      signingKeySettings(tessera.config),
      tessera.clock,
    );
    await tessera.tessera.signingKeys.refresh();
    const client = tessera.client();
    await client.login(user.name, user.password);
    const fresh = client.cookies.get("token")!;
    expect(JSON.parse(Buffer.from(fresh.split(".")[0]!, "base64url").toString()).kid).toBe(kid);
    expect((await call(fresh)).status).toBe(200);
    expect((await call(token)).status).toBe(200);
    expect(verifier.fetches).toBe(before + 1);
    // A flood of unknown kids within the cooldown fetches nothing more.
    const stranger = createJwt({ id: "x", name: "x", email: "x" }, 1, {
      keys: createJwtKeyRing(generateJwtKeyPair(algorithm)),
    });
    for (let i = 0; i < 5; i++) expect((await call(stranger)).status).toBe(401);
    expect(verifier.fetches).toBe(before + 1);
  });

  it.skipIf(!pyjwt && !inCi)("is verified by PyJWT with the published key", async () => {
    expect(pyjwt, pyjwtReason).toBe(true);
    const jwks = await (await fetch(`${tessera.baseUrl}/.well-known/jwks.json`)).json();
    const script = `
import json, sys, jwt
call = json.load(sys.stdin)
header = jwt.get_unverified_header(call["token"])
key = next(k for k in call["jwks"]["keys"] if k["kid"] == header["kid"])
# The test server's clock is frozen in the past, so its tokens have expired in PyJWT's real time:
# the interop checked here is the signature and the published key, not the expiry.
claims = jwt.decode(call["token"], jwt.PyJWK(key).key, algorithms=[call["alg"]], options={"verify_exp": False})
print(json.dumps(claims))
`;
    const run = spawnSync(PYTHON, ["-c", script], {
      input: JSON.stringify({ token, jwks, alg: algorithm }),
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toMatchObject({ id: user.id });
  });
});

describe("HS256 (the default)", () => {
  let tessera: TestServer;
  let verifier: TokenVerifier;
  let rsa: { kid: string; privateKey: KeyObject };
  const now = () => Math.floor(tessera.clock() / 1000);
  const signRs256 = (claims: Record<string, unknown>, kid = rsa.kid) => {
    const input = `${b64({ alg: "RS256", typ: "JWT", kid })}.${b64(claims)}`;
    const signature = signWithKey("sha256", Buffer.from(input), rsa.privateKey);
    return `${input}.${signature.toString("base64url")}`;
  };

  beforeAll(async () => {
    tessera = await startTestServer("sqlite");
    verifier = createTokenVerifier({
      jwksUrl: `${tessera.baseUrl}/.well-known/jwks.json`,
      clock: tessera.clock,
    });
    const [jwk] = tessera.tessera.oidcKeys.privateJwks();
    rsa = { kid: jwk!.kid as string, privateKey: createPrivateKey({ key: jwk!, format: "jwk" }) };
  });
  afterAll(async () => {
    await tessera?.close();
  });

  it("publishes only the RS256 key(s): the secret never leaves the server", async () => {
    const response = await fetch(`${tessera.baseUrl}/.well-known/jwks.json`);
    const jwks = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: rsa.kid });
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    for (const member of ["d", "p", "q", "dp", "dq", "qi", "k"]) {
      expect(jwks.keys[0]).not.toHaveProperty(member);
    }
    const { secret } = tessera.config.jwtKeys.signing as { secret: string };
    for (const form of [secret, Buffer.from(secret).toString("base64url")]) {
      expect(JSON.stringify(jwks)).not.toContain(form);
    }
  });

  it("lets tessera/verify check RS256 through the JWKS, for Tessera's token shapes only", async () => {
    const user = { id: "5b0d2f1e-8a4b-4e0c-9d7f-6f9f978015de" };
    const session = { id: user.id, sid: "A".repeat(22), jti: "j", iat: now(), exp: now() + 60 };
    expect(await verifier.verify(signRs256(session))).toMatchObject({ id: user.id });
    const access = {
      ...session,
      iss: TEST_ORIGIN,
      sub: user.id,
      aud: "https://api.example",
      token_use: "access",
    };
    expect(await verifier.verify(signRs256(access))).toMatchObject({ id: user.id });
    // An ID token the OpenID provider signed with the same key (sub, aud, no id, no token_use):
    // a client that received one cannot present it to a service.
    const idToken = {
      iss: TEST_ORIGIN,
      sub: user.id,
      aud: "a-client",
      iat: now(),
      exp: now() + 60,
      nonce: "n",
    };
    expect(await verifier.verify(signRs256(idToken))).toBeNull();
    expect(await verifier.verify(signRs256({ ...idToken, id: user.id }))).toBeNull();
    // A verifier limited to EdDSA and ES256 skips the RSA key.
    const curvesOnly = createTokenVerifier({
      jwksUrl: `${tessera.baseUrl}/.well-known/jwks.json`,
      algorithms: ["EdDSA", "ES256"],
      clock: tessera.clock,
    });
    expect(await curvesOnly.verify(signRs256(session))).toBeNull();
  });

  it("refuses HS256 keyed with the published RSA key, alg none, and Tessera's own HS256 sessions", async () => {
    const jwks = await (await fetch(`${tessera.baseUrl}/.well-known/jwks.json`)).text();
    const claims = { id: "x", sid: "A".repeat(22), iat: now(), exp: now() + 60 };
    for (const header of [
      { alg: "HS256", typ: "JWT", kid: rsa.kid },
      { alg: "HS256", typ: "JWT" },
    ]) {
      const input = `${b64(header)}.${b64(claims)}`;
      for (const secret of [jwks, JSON.stringify(JSON.parse(jwks).keys[0])]) {
        const mac = createHmac("sha256", secret).update(input).digest("base64url");
        expect(await verifier.verify(`${input}.${mac}`)).toBeNull();
      }
    }
    expect(
      await verifier.verify(`${b64({ alg: "none", kid: rsa.kid })}.${b64(claims)}.`),
    ).toBeNull();
    const user = await tessera.createUser({});
    const client = tessera.client();
    await client.login(user.name, user.password);
    expect(await verifier.verify(client.cookies.get("token")!)).toBeNull();
  });
});
