/**
 * ID tokens and their keys (issue 21 items 1 and 8): RS256 by default, verifiable against the one
 * JWKS (`/.well-known/jwks.json`) and the provider's `/oidc/jwks`; ES256 or EdDSA for a client
 * that asks, when sessions use those keys, and refused at registration when no key has that
 * algorithm; and an `id_token_hint` the provider did not sign (`alg: none`, HS256 keyed with
 * the RSA public key, a key of the sender's own) refused at the authorization and logout
 * endpoints.
 */
import {
  createPublicKey,
  generateKeyPairSync,
  sign as signData,
  type JsonWebKey,
} from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOidcClient, setOidcClientMetadata } from "../../../src/store/index.js";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import {
  authorizationRequest,
  codeFlow,
  decodeJwt,
  discover,
  fetchJwks,
  forgeJwt,
  REDIRECT_URI,
  runBrowser,
  verifyJwt,
} from "../../helpers/oidc-flow.js";

const POST_LOGOUT = "http://127.0.0.1:9/bye";

/** A second secret for the key-encryption key the asymmetric session keys need. */
const KEY_ENCRYPTION = { TESSERA_KEY_ENCRYPTION_SECRET: "k".repeat(43) };

async function discovery(server: OidcTestServer): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.issuer}/.well-known/openid-configuration`);
  return (await response.json()) as Record<string, unknown>;
}

/** Dynamic registration (RFC 7591) of a client asking for `alg`. */
async function register(server: OidcTestServer, alg: string) {
  const response = await fetch(`${server.issuer}/oidc/reg`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Registered app",
      redirect_uris: [REDIRECT_URI],
      id_token_signed_response_alg: alg,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("ID tokens: RS256 by default, and id_token_hint forgeries (HS256 sessions)", () => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite", { env: { TESSERA_OIDC_REGISTRATION: "open" } });
  });
  afterAll(async () => {
    await server.close();
  });

  async function signedIn() {
    const user = await server.createUser({});
    const { clientId, clientSecret } = await server.addClient({
      firstParty: true,
      postLogoutRedirectUris: [POST_LOGOUT],
    });
    const config = await discover(server, clientId, clientSecret);
    const flow = await codeFlow(server, config, user);
    return { user, clientId, config, flow, idToken: flow.tokens.id_token! };
  }

  it("signs with RS256, verifiable against /.well-known/jwks.json and /oidc/jwks", async () => {
    const { user, clientId, idToken } = await signedIn();
    const { header } = decodeJwt(idToken);
    expect(header.alg).toBe("RS256");
    expect(header.kid).toBeTypeOf("string");
    for (const path of ["/.well-known/jwks.json", "/oidc/jwks"]) {
      const keys = await fetchJwks(server, path);
      // Public halves only.
      for (const key of keys) expect(key.d, path).toBeUndefined();
      const payload = verifyJwt(idToken, keys);
      expect(payload.iss).toBe(server.issuer);
      expect(payload.aud).toBe(clientId);
      expect(payload.sub).toBe(user.id);
    }
    // A token changed after signing no longer verifies (the check is real).
    const [h, p, s] = idToken.split(".");
    const changed = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
    changed.sub = "someone-else";
    const altered = `${h}.${Buffer.from(JSON.stringify(changed)).toString("base64url")}.${s}`;
    expect(() => verifyJwt(altered, [])).toThrow();
    const published = await fetchJwks(server, "/.well-known/jwks.json");
    expect(() => verifyJwt(altered, published)).toThrow(/does not verify/);
    const discovered = await discovery(server);
    expect(discovered.jwks_uri).toBe(`${server.issuer}/oidc/jwks`);
    expect(discovered.id_token_signing_alg_values_supported).toEqual(["RS256"]);
  });

  it("refuses at registration an ID-token algorithm no key has (ES256, EdDSA, HS256, none)", async () => {
    for (const alg of ["ES256", "EdDSA", "HS256", "none"]) {
      const answer = await register(server, alg);
      expect(answer.status, alg).toBe(400);
      expect(answer.body.error, alg).toBe("invalid_client_metadata");
    }
    // RS256 is what every client may have.
    expect((await register(server, "RS256")).status).toBe(201);
  });

  /** Forgeries of a real ID token: the same claims, signed otherwise. */
  function forgeries(idToken: string, keys: readonly JsonWebKey[]): Record<string, string> {
    const { header, payload } = decodeJwt(idToken);
    const rsa = keys.find((key) => key.kid === header.kid && key.alg === "RS256")!;
    const publicKey = createPublicKey({ key: rsa, format: "jwk" });
    const spki = publicKey.export({ type: "spki", format: "pem" }).toString();
    const pkcs1 = publicKey.export({ type: "pkcs1", format: "pem" }).toString();
    const hs = { alg: "HS256", typ: "JWT", kid: header.kid };
    const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const attackerJwk = attacker.publicKey.export({ format: "jwk" });
    const ownHeader = { alg: "RS256", typ: "JWT", kid: header.kid, jwk: attackerJwk };
    const encode = (part: unknown) => Buffer.from(JSON.stringify(part)).toString("base64url");
    const ownInput = `${encode(ownHeader)}.${encode(payload)}`;
    const ownSignature = signData("sha256", Buffer.from(ownInput), attacker.privateKey);
    return {
      "alg none": forgeJwt({ alg: "none", typ: "JWT" }, payload),
      "alg none, with the real kid": forgeJwt({ alg: "none", kid: header.kid }, payload),
      "alg NONE": forgeJwt({ alg: "NONE" }, payload),
      "HS256 keyed with the SPKI PEM": forgeJwt(hs, payload, spki),
      "HS256 keyed with the PKCS#1 PEM": forgeJwt(hs, payload, pkcs1),
      "HS256 keyed with the JWK": forgeJwt(hs, payload, JSON.stringify(rsa)),
      "HS256 keyed with the modulus": forgeJwt(
        hs,
        payload,
        Buffer.from(String(rsa.n), "base64url"),
      ),
      "RS256 by another key, named in a jwk header": `${ownInput}.${ownSignature.toString("base64url")}`,
    };
  }

  it("refuses a forged id_token_hint at the logout endpoint", async () => {
    const { idToken, flow } = await signedIn();
    const logout = (hint: string) =>
      flow.browser.request(
        "GET",
        `/oidc/logout?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: POST_LOGOUT })}`,
      );
    // The real one: the confirmation page.
    const real = await logout(idToken);
    expect(real.status).toBe(200);
    expect(real.text).toContain("op.logoutForm");
    const keys = await fetchJwks(server, "/.well-known/jwks.json");
    for (const [what, forged] of Object.entries(forgeries(idToken, keys))) {
      const answer = await logout(forged);
      expect(answer.status, what).toBe(400);
      expect(answer.text, what).toContain("invalid_request");
      expect(answer.text, what).toContain("could not validate id_token_hint");
      expect(answer.text, what).not.toContain("op.logoutForm");
    }
  });

  it("refuses a forged id_token_hint at the authorization endpoint", async () => {
    const { idToken, flow, config } = await signedIn();
    const authorize = async (hint: string) => {
      const request = await authorizationRequest(config, { id_token_hint: hint });
      return runBrowser(server, flow.browser, request.url.href);
    };
    // The real one, from the signed-in browser: straight back with a code.
    const real = await authorize(idToken);
    expect(real.final.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(real.final.searchParams.has("code")).toBe(true);
    const keys = await fetchJwks(server, "/.well-known/jwks.json");
    for (const [what, forged] of Object.entries(forgeries(idToken, keys))) {
      const answer = await authorize(forged);
      expect(answer.final.href.startsWith(REDIRECT_URI), what).toBe(true);
      expect(answer.final.searchParams.get("error"), what).toBe("invalid_request");
      expect(answer.final.searchParams.get("error_description"), what).toBe(
        "could not validate id_token_hint",
      );
      expect(answer.final.searchParams.has("code"), what).toBe(false);
    }
  });
});

for (const alg of ["ES256", "EdDSA"] as const) {
  describe(`ID tokens for a client asking for ${alg} (sessions on ${alg})`, () => {
    let server: OidcTestServer;
    beforeAll(async () => {
      server = await startOidcTestServer("sqlite", {
        env: { TESSERA_JWT_ALGORITHM: alg, TESSERA_OIDC_REGISTRATION: "open", ...KEY_ENCRYPTION },
      });
    });
    afterAll(async () => {
      await server.close();
    });

    it(`signs that client's ID tokens with ${alg}, and the others' with RS256`, async () => {
      expect(await discovery(server)).toMatchObject({
        id_token_signing_alg_values_supported: ["RS256", alg],
      });
      const user = await server.createUser({});
      const { clientId, clientSecret } = await server.addClient({ firstParty: true });
      // `tessera clients add` registers RS256; the client's metadata asks for another.
      const db = server.tessera.database.db;
      const stored = (await findOidcClient(db, clientId))!;
      await setOidcClientMetadata(
        db,
        clientId,
        { metadata: { ...stored.metadata, id_token_signed_response_alg: alg } },
        Date.now(),
      );
      const config = await discover(server, clientId, {
        client_secret: clientSecret!,
        id_token_signed_response_alg: alg,
      });
      const { tokens } = await codeFlow(server, config, user);
      expect(decodeJwt(tokens.id_token!).header.alg).toBe(alg);
      const payload = verifyJwt(
        tokens.id_token!,
        await fetchJwks(server, "/.well-known/jwks.json"),
      );
      expect(payload.sub).toBe(user.id);
      verifyJwt(tokens.id_token!, await fetchJwks(server, "/oidc/jwks"));

      const other = await server.addClient({ firstParty: true });
      const otherConfig = await discover(server, other.clientId, other.clientSecret);
      const otherFlow = await codeFlow(server, otherConfig, user);
      expect(decodeJwt(otherFlow.tokens.id_token!).header.alg).toBe("RS256");
    });

    it("refuses at registration the asymmetric algorithm sessions do not use", async () => {
      const absent = alg === "ES256" ? "EdDSA" : "ES256";
      expect((await register(server, absent)).status).toBe(400);
      expect((await register(server, alg)).status).toBe(201);
    });
  });
}
