// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient module declarations, reached from the package entry points too (test/package-types.test.ts)
/// <reference path="./internals.d.ts" />
/**
 * Refresh-token rotation that does not sign out two tabs refreshing at once (issue 21 item 2;
 * Better Auth #8512). Every refresh rotates the token, and oidc-provider revokes the whole
 * grant when a used token comes again. Before that, this wrapper of its grant lets the same
 * client present the same token again within `TESSERA_OIDC_REFRESH_GRACE_SECONDS` and get the
 * very answer the first refresh got (the same successor), also on another instance:
 *
 * 1. The first refresh with a token claims it (a row keyed by the token's SHA-256), runs the
 *    provider's grant and stores its answer sealed with AES-256-GCM under a key derived from
 *    the token itself: the table alone opens nothing.
 * 2. A refresh that finds the claim (same client, within the grace) waits for that answer
 *    (polling, up to `WAIT_MS`) and returns it.
 * 3. After the grace, or from another client, the provider's grant runs: a used token then
 *    revokes the grant, as it should.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type Provider from "oidc-provider";
import type { KoaContextWithOIDC } from "oidc-provider";
import {
  claimRefreshGrace,
  completeRefreshGrace,
  dropRefreshGrace,
  getRefreshGrace,
} from "../../store/index.js";
import { SECOND_MS } from "../../core/clock.js";
import type { ServiceContext } from "../context.js";

/** How long a concurrent refresh waits for the first one's answer. */
export const WAIT_MS = 5 * SECOND_MS;
/** How often it looks. */
const POLL_MS = 20;

type GrantHandler = (ctx: KoaContextWithOIDC) => Promise<void>;

function digest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

function keyOf(token: string): Buffer {
  return Buffer.from(hkdfSync("sha256", token, "tessera refresh grace", "answer", 32));
}

/** Seals an answer under the token's key. */
export function sealAnswer(token: string, answer: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(token), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(answer), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** Opens an answer sealed under the token's key. @throws Error when it does not open. */
export function openAnswer(token: string, sealed: string): unknown {
  const raw = Buffer.from(sealed, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", keyOf(token), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  return JSON.parse(text.toString("utf8"));
}

/** Replaces the provider's refresh-token grant with one that has the grace. */
export async function installRefreshGrace(
  ctx: ServiceContext,
  provider: Provider,
  graceSeconds: number,
): Promise<void> {
  if (graceSeconds <= 0) return;
  const [grant, helpers] = await Promise.all([
    import("oidc-provider/lib/actions/grants/refresh_token.js"),
    import("oidc-provider/lib/helpers/grants.js"),
  ]);
  // Bound as oidc-provider's initialize_app.js binds them for its own registration.
  const bound = Object.fromEntries(
    Object.entries(helpers as Record<string, unknown>)
      .filter(
        (entry): entry is [string, (...args: unknown[]) => unknown] =>
          typeof entry[1] === "function",
      )
      .map(([name, helper]) => [name, helper.bind(undefined, provider)]),
  );
  const original: GrantHandler = (kctx) => grant.handler(provider, bound, kctx);
  const handler: GrantHandler = async (kctx) => {
    const token = kctx.oidc.params?.refresh_token;
    const clientId = kctx.oidc.client?.clientId;
    if (typeof token !== "string" || token === "" || clientId === undefined) {
      return original(kctx);
    }
    const hash = digest(token);
    const now = ctx.clock();
    if (await claimRefreshGrace(ctx.db, hash, clientId, now, now + graceSeconds * SECOND_MS)) {
      try {
        await original(kctx);
      } catch (error) {
        await dropRefreshGrace(ctx.db, hash);
        throw error;
      }
      await completeRefreshGrace(ctx.db, hash, sealAnswer(token, kctx.body));
      return;
    }
    // Waiting is measured on the monotonic clock (the service clock may be a test's, frozen).
    const deadline = performance.now() + WAIT_MS;
    for (;;) {
      const grace = await getRefreshGrace(ctx.db, hash);
      if (grace === undefined || grace.clientId !== clientId) break;
      if (grace.expiresAtMs <= ctx.clock()) break;
      if (grace.sealedResponse !== null) {
        kctx.body = openAnswer(token, grace.sealedResponse);
        return;
      }
      if (performance.now() >= deadline) break;
      await sleep(POLL_MS);
    }
    return original(kctx);
  };
  const parameters = new Set([...grant.parameters, "resource"]);
  provider.registerGrantType("refresh_token", handler, [...parameters], ["resource"]);
}
