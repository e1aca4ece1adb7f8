/**
 * A small OpenID provider that can be told to misbehave (issue 22 item 5), on a real listening
 * node:http server: discovery, a JWKS, and a token endpoint answering with an ID token built
 * from what the test says (a wrong `iss` or `aud`, a foreign key, `alg: none`, an expired
 * token…), signed with `jose`. The authorization step is the test's: it reads the state and
 * nonce from the authorization URL Tessera built and writes the callback itself.
 */
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export interface HostileUpstream {
  issuer: string;
  /** What the next ID token says (merged over the honest claims), and how it is signed. */
  next: {
    claims?: Record<string, unknown>;
    signing?: "honest" | "foreign-key" | "none";
    /** Leave a claim out. */
    omit?: string[];
  };
  /** The nonce and client of the last authorization request the test passed on. */
  authorize(url: string): { state: string; nonce: string; redirectUri: string };
  close(): Promise<void>;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export async function startHostileUpstream(clientId: string): Promise<HostileUpstream> {
  const honest = await generateKeyPair("RS256", { extractable: true });
  const foreign = await generateKeyPair("RS256", { extractable: true });
  const publicJwk: JWK = {
    ...(await exportJWK(honest.publicKey)),
    kid: "k1",
    alg: "RS256",
    use: "sig",
  };
  let lastNonce = "";
  let issuer = "";
  const upstream: HostileUpstream = {
    issuer: "",
    next: {},
    authorize(url) {
      const parsed = new URL(url);
      lastNonce = parsed.searchParams.get("nonce") ?? "";
      return {
        state: parsed.searchParams.get("state") ?? "",
        nonce: lastNonce,
        redirectUri: parsed.searchParams.get("redirect_uri") ?? "",
      };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function idToken(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: issuer,
      aud: clientId,
      sub: "hostile-sub",
      iat: now,
      exp: now + 300,
      nonce: lastNonce,
      email: "someone@example.org",
      email_verified: true,
      ...upstream.next.claims,
    };
    for (const name of upstream.next.omit ?? []) delete claims[name];
    const signing = upstream.next.signing ?? "honest";
    if (signing === "none") return `${base64url({ alg: "none" })}.${base64url(claims)}.`;
    const key: CryptoKey = signing === "foreign-key" ? foreign.privateKey : honest.privateKey;
    return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(key);
  }

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", issuer);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        authorization_response_iss_parameter_supported: true,
      });
      return;
    }
    if (url.pathname === "/jwks") {
      json(200, { keys: [publicJwk] });
      return;
    }
    if (url.pathname === "/token" && request.method === "POST") {
      request.resume();
      request.on("end", () => {
        void idToken().then((token) =>
          json(200, { access_token: "at", token_type: "Bearer", expires_in: 300, id_token: token }),
        );
      });
      return;
    }
    json(404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  issuer = `http://127.0.0.1:${address.port}`;
  upstream.issuer = issuer;
  return upstream;
}
