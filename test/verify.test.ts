/**
 * `tessera/verify` against a real Tessera: a second Fastify app verifies Tessera's session tokens
 * only through the JWKS URL over HTTP, follows a key rotation (one refetch), and refuses a token
 * of a key not in the JWKS, one with `alg` changed, and `alg: HS256` keyed with the public key.
 * PyJWT (the seed's library) verifies the same tokens with the published keys.
 */
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
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
import { startTestServer, type TestServer } from "./helpers/server.js";

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
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ alg: algorithm, use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as {
      alg: string;
      kid: string;
    };
    expect(header).toMatchObject({ alg: algorithm, kid: jwks.keys[0]!.kid });
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
    const jwks = await (await fetch(`${tessera.baseUrl}/.well-known/jwks.json`)).json();
    const input = `${b64({ alg: "HS256", typ: "JWT", kid })}.${payload}`;
    for (const secret of [JSON.stringify(jwks.keys[0]), JSON.stringify(jwks)]) {
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
  it("publishes no key: the secret never leaves the server", async () => {
    const tessera = await startTestServer("sqlite");
    try {
      const response = await fetch(`${tessera.baseUrl}/.well-known/jwks.json`);
      expect(await response.json()).toEqual({ keys: [] });
    } finally {
      await tessera.close();
    }
  });
});
