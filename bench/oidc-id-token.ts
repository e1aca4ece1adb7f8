/**
 * Part 4 of `bench/oidc.ts`: what signing an ID token costs, in the calling process (pinned to
 * its own core by the caller). Given a real ID token from the token endpoint:
 *
 * - the provider's path: an in-process Tessera (SQLite in a temporary folder, the provider on)
 *   and a registered client; an `IdToken` of its provider built as the token endpoint builds
 *   one (oidc-provider's `issueIdToken`: the account's claims, acr, amr, auth_time, the scope,
 *   nonce and sid, taken from the real token) and issued (`issue({ use: "idtoken" })`: the
 *   claims mask, then `JWT.sign`, which is jose's CompactSign over WebCrypto);
 * - jose's CompactSign alone, with the provider's RS256 key and the real token's payload;
 * - raw node:crypto `sign` of the real token's signing input with the same key (RSA-2048,
 *   RSASSA-PKCS1-v1_5, SHA-256): the floor; and the same with a callback (the libuv pool,
 *   where WebCrypto signs too);
 * - ES256 and EdDSA, raw and jose, with fresh keys and the same payload.
 * Per token, one at a time (awaited): microseconds; with 16 in flight: tokens/s on the one
 * core. Medians of interleaved rounds.
 */
import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompactSign } from "jose";
import { loadConfig } from "../src/config/index.js";
import { createTessera } from "../src/runtime.js";
import { addOidcClient } from "../src/services/oidc/clients.js";

const ROUNDS = 5;
const ROUND_MS = 400;
const IN_FLIGHT = 16;

/** Microseconds per call, awaited one after another, for about `ms`. */
async function microsEach(fn: () => unknown, ms: number): Promise<number> {
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await fn();
    count += 1;
  }
  return ((performance.now() - start) * 1000) / count;
}

/** Calls per second with `IN_FLIGHT` awaited loops at once, for about `ms`. */
async function perSecondInFlight(fn: () => unknown, ms: number): Promise<number> {
  let count = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() - start < ms) {
        await fn();
        count += 1;
      }
    }),
  );
  return (count * 1000) / (performance.now() - start);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** The provider's `IdToken` as its token endpoint issues one, from a real token's claims. */
async function providerIdTokens(idToken: string) {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-idtoken-"));
  const runtime = await createTessera(
    loadConfig({
      NODE_ENV: "production",
      TESSERA_PUBLIC_URL: "http://127.0.0.1:9",
      TESSERA_DATABASE_URL: join(dir, "idtoken.db"),
      TESSERA_DATA_DIR: dir,
      TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"),
      TESSERA_KEY_ENCRYPTION_SECRET: randomBytes(32).toString("base64url"),
      TESSERA_LOG_LEVEL: "silent",
    }),
  );
  if (runtime.oidc === undefined) throw new Error("the provider is off");
  const provider = runtime.oidc.current();
  const { clientId } = await addOidcClient(runtime.ctx, {
    name: "Bench app",
    redirectUris: ["http://127.0.0.1:9/callback"],
    firstParty: true,
  });
  const client = await provider.Client.find(clientId);
  if (client === undefined) throw new Error("no client");
  const real = JSON.parse(Buffer.from(idToken.split(".")[1]!, "base64url").toString()) as Record<
    string,
    unknown
  >;
  const { iss, aud, exp, iat, nonce, sid, ...accountClaims } = real;
  void [iss, aud, exp, iat];
  const issue = () => {
    const token = new provider.IdToken(accountClaims, { client });
    Object.assign(token, { scope: "openid email profile", mask: {}, rejected: [] });
    token.set("nonce", nonce);
    token.set("sid", sid);
    return token.issue({ use: "idtoken" });
  };
  const sample = await issue();
  const issued = JSON.parse(Buffer.from(sample.split(".")[1]!, "base64url").toString()) as object;
  const [header] = sample.split(".");
  const { kid } = JSON.parse(Buffer.from(header!, "base64url").toString()) as { kid: string };
  const jwk = runtime.oidcKeys.privateJwks().find((key) => key.kid === kid);
  if (jwk === undefined || jwk.alg !== "RS256")
    throw new Error("the provider signed with no RS256 key");
  const same =
    JSON.stringify(Object.keys(issued).sort()) === JSON.stringify(Object.keys(real).sort());
  return {
    issue,
    rsaKey: createPrivateKey({
      key: jwk as JsonWebKey,
      format: "jwk",
    }),
    kid,
    payload: real,
    sameClaims: same,
    close: async () => {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Prints the figures; the provider's RS256 ID tokens per second with 16 in flight. */
export async function benchIdTokenCost(idToken: string): Promise<number> {
  console.log("\nthe cost of an ID token (this process, one core)");
  const provider = await providerIdTokens(idToken);
  try {
    const payloadBytes = Buffer.from(JSON.stringify(provider.payload));
    const realInput = Buffer.from(idToken.slice(0, idToken.lastIndexOf(".")));
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const ed = generateKeyPairSync("ed25519").privateKey;
    const input = (alg: string) =>
      Buffer.from(`${segment({ alg, kid: provider.kid })}.${segment(provider.payload)}`);
    const jose = (alg: string, key: KeyObject) => () =>
      new CompactSign(payloadBytes).setProtectedHeader({ alg, kid: provider.kid }).sign(key);
    const esInput = input("ES256");
    const edInput = input("EdDSA");
    const callback = (data: Buffer, key: KeyObject) => () =>
      new Promise((resolve, reject) =>
        sign("sha256", data, key, (error, signature) =>
          error ? reject(error) : resolve(signature),
        ),
      );
    const cases: [string, () => unknown][] = [
      ["RS256 raw node:crypto sign (the floor)", () => sign("sha256", realInput, provider.rsaKey)],
      ["RS256 raw node:crypto sign, callback (libuv pool)", callback(realInput, provider.rsaKey)],
      ["RS256 jose CompactSign, same key", jose("RS256", provider.rsaKey)],
      ["RS256 the provider's IdToken.issue", provider.issue],
      [
        "ES256 raw node:crypto sign",
        () => sign("sha256", esInput, { key: ec, dsaEncoding: "ieee-p1363" }),
      ],
      ["ES256 jose CompactSign", jose("ES256", ec)],
      ["EdDSA raw node:crypto sign", () => sign(null, edInput, ed)],
      ["EdDSA jose CompactSign", jose("EdDSA", ed)],
    ];
    for (const [, fn] of cases) await microsEach(fn, 200); // warm-up
    const each = cases.map((): number[] => []);
    const many = cases.map((): number[] => []);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [c, [, fn]] of cases.entries()) {
        each[c]!.push(await microsEach(fn, ROUND_MS));
        many[c]!.push(await perSecondInFlight(fn, ROUND_MS));
      }
    }
    const micros = each.map(median);
    const rates = many.map(median);
    console.log(
      `  ${"".padEnd(50)} ${"µs each".padStart(9)} ${`/s, ${IN_FLIGHT} in flight`.padStart(18)}  ${"vs raw".padStart(9)}`,
    );
    const floorOf = (c: number) => (c < 4 ? 0 : c < 6 ? 4 : 6);
    cases.forEach(([label], c) => {
      const ratio = micros[c]! / micros[floorOf(c)]!;
      console.log(
        `  ${label.padEnd(50)} ${micros[c]!.toFixed(0).padStart(9)} ${rates[c]!.toFixed(0).padStart(18)}  ${`${ratio.toFixed(2)}×`.padStart(9)}`,
      );
    });
    console.log(
      `  the provider's claims ${provider.sameClaims ? "match" : "DIFFER from"} the real ID token's (same claim names)`,
    );
    return rates[3]!;
  } finally {
    await provider.close();
  }
}
