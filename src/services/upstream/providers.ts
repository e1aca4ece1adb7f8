/**
 * The providers (issue 22 item 1): added, listed and removed by the operator (`tessera
 * providers`), kept in the database with the client secret sealed (AES-256-GCM under the
 * key-encryption key, the provider id as associated data, as the signing keys are). Each
 * instance re-reads them every few seconds, so one added or removed anywhere is seen without a
 * restart; a callback reads its provider afresh, so a removed one stops at once.
 */
import { performance } from "node:perf_hooks";
import { ClientError, ConflictError, NotFoundError } from "../../core/errors.js";
import { openPrivateKey, sealPrivateKey } from "../../core/key-encryption.js";
import {
  deleteUpstreamProvider,
  insertUpstreamProvider,
  listUpstreamProviders,
  withTransaction,
  type StoredUpstreamProvider,
} from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { ServiceContext } from "../context.js";
import { presetOf } from "./presets.js";
import {
  DEFAULT_LINK_POLICY,
  LINK_POLICIES,
  PROVIDER_ID_PATTERN,
  UPSTREAM_KINDS,
  UPSTREAM_PROVIDERS_REFRESH_MS,
  type LinkPolicy,
  type UpstreamDependencies,
  type UpstreamKind,
  type UpstreamProvider,
  type UpstreamProviderInfo,
  type UpstreamRegistry,
} from "./types.js";

/** What `tessera providers add` gives. */
export interface AddUpstreamProviderInput {
  id: string;
  clientId: string;
  clientSecret: string;
  issuer?: string | undefined;
  name?: string | undefined;
  preset?: string | undefined;
  tenant?: string | undefined;
  scopes?: string | undefined;
  link?: string | undefined;
  createAccounts?: boolean | undefined;
  trustUpstreamMfa?: boolean | undefined;
}

/** Associated data of a sealed client secret: it opens only in its own row. */
function secretLabel(id: string): string {
  return `upstream-provider:${id}`;
}

function invalid(message: string, field: string): ClientError {
  return new ClientError(message, { code: "validation_error", extra: { field } });
}

/** The callback URL of a provider: what is registered upstream as the redirect URI. */
export function callbackUrlOf(publicUrl: string, id: string): string {
  return `${publicUrl}/login/providers/${id}/callback`;
}

/** A provider as an operator or a page sees it. */
export function providerInfoOf(
  provider: UpstreamProvider,
  publicUrl: string,
): UpstreamProviderInfo {
  const { clientSecret: _secret, ...rest } = provider;
  return { ...rest, callbackUrl: callbackUrlOf(publicUrl, provider.id) };
}

/** An issuer URL: https, or http on the loopback (tests, a local identity provider). */
export function checkIssuer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid("The issuer is not a URL", "issuer");
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw invalid("The issuer must be an https URL", "issuer");
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw invalid("The issuer has no query, fragment or credentials", "issuer");
  }
  // The issuer is compared exactly (OpenID Connect Discovery §4.3): kept as given.
  return value;
}

/** Whether http (not https) may be spoken to this issuer: only on the loopback. */
export function isLoopbackIssuer(issuer: string): boolean {
  const { protocol, hostname } = new URL(issuer);
  return protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(hostname);
}

/**
 * Adds a provider (audited as the operator). A preset fills in the kind, issuer, name and
 * scopes; what is given explicitly wins.
 * @throws ClientError `validation_error`; ConflictError when the id is taken.
 */
export async function addUpstreamProvider(
  ctx: ServiceContext,
  deps: Pick<UpstreamDependencies, "keyEncryptionKey" | "registry" | "publicUrl">,
  input: AddUpstreamProviderInput,
): Promise<UpstreamProviderInfo> {
  if (!PROVIDER_ID_PATTERN.test(input.id)) {
    throw invalid("The id is 1 to 64 of a-z, 0-9 and -, starting with a letter or digit", "id");
  }
  const preset = input.preset === undefined ? undefined : presetOf(input.preset, input.tenant);
  const kind: UpstreamKind = preset?.kind ?? "oidc";
  const issuerText = input.issuer ?? preset?.issuer;
  if (issuerText === undefined)
    throw invalid("--issuer URL is required without --preset", "issuer");
  const issuer = checkIssuer(issuerText);
  const name = (input.name ?? preset?.name ?? input.id).trim();
  if (name === "" || name.length > 100) throw invalid("The name is 1 to 100 characters", "name");
  if (input.clientId.trim() === "" || input.clientId.length > 500) {
    throw invalid("The client id is required", "client_id");
  }
  if (input.clientSecret === "" || input.clientSecret.length > 2000) {
    throw invalid("The client secret is required", "client_secret");
  }
  const scopes = input.scopes?.split(/\s+/).filter((s) => s !== "") ??
    preset?.scopes ?? ["openid", "email", "profile"];
  if (kind === "oidc" && !scopes.includes("openid")) {
    throw invalid("An OpenID Connect provider needs the openid scope", "scopes");
  }
  const link = input.link ?? DEFAULT_LINK_POLICY;
  if (!(LINK_POLICIES as readonly string[]).includes(link)) {
    throw invalid(`--link is one of ${LINK_POLICIES.join(", ")}`, "link");
  }
  const stored = {
    id: input.id,
    name,
    kind,
    issuer,
    clientId: input.clientId.trim(),
    sealedClientSecret: sealPrivateKey(
      deps.keyEncryptionKey,
      Buffer.from(input.clientSecret, "utf8"),
      secretLabel(input.id),
    ),
    scopes: scopes.join(" "),
    linkPolicy: link,
    createAccounts: input.createAccounts === true,
    trustUpstreamMfa: input.trustUpstreamMfa === true,
  };
  await withTransaction(ctx.db, async (trx) => {
    if (!(await insertUpstreamProvider(trx, stored, ctx.clock()))) {
      throw new ConflictError(`A provider with the id ${input.id} exists`);
    }
    await audit({ ...ctx, db: trx }, "upstream_provider_added", {
      detail: { by: "operator", provider: input.id, issuer, kind },
    });
  });
  deps.registry.invalidate();
  const added = await deps.registry.fresh(input.id);
  if (added === undefined) throw new NotFoundError("No such provider");
  return providerInfoOf(added, deps.publicUrl);
}

/** Removes a provider and every identity linked through it (audited). @throws NotFoundError. */
export async function removeUpstreamProvider(
  ctx: ServiceContext,
  deps: Pick<UpstreamDependencies, "registry">,
  id: string,
): Promise<void> {
  await withTransaction(ctx.db, async (trx) => {
    if (!(await deleteUpstreamProvider(trx, id))) throw new NotFoundError("No such provider");
    await audit({ ...ctx, db: trx }, "upstream_provider_removed", {
      detail: { by: "operator", provider: id },
    });
  });
  deps.registry.invalidate();
}

function openProvider(
  stored: StoredUpstreamProvider,
  keys: readonly Buffer[],
): UpstreamProvider | undefined {
  let secret: Buffer | undefined;
  for (const key of keys) {
    try {
      secret = openPrivateKey(key, stored.sealedClientSecret, secretLabel(stored.id));
      break;
    } catch {
      // another key may have sealed it
    }
  }
  // A secret no key opens (a changed key-encryption secret): the provider is left out.
  if (secret === undefined) return undefined;
  return {
    id: stored.id,
    name: stored.name,
    kind: (UPSTREAM_KINDS as readonly string[]).includes(stored.kind)
      ? (stored.kind as UpstreamKind)
      : "oidc",
    issuer: stored.issuer,
    clientId: stored.clientId,
    clientSecret: secret.toString("utf8"),
    scopes: stored.scopes.split(" ").filter((s) => s !== ""),
    linkPolicy: (LINK_POLICIES as readonly string[]).includes(stored.linkPolicy)
      ? (stored.linkPolicy as LinkPolicy)
      : "never",
    createAccounts: stored.createAccounts,
    trustUpstreamMfa: stored.trustUpstreamMfa,
    createdAt: stored.createdAt,
  };
}

/**
 * The registry of one instance: the providers read at start and re-read when older than
 * `UPSTREAM_PROVIDERS_REFRESH_MS`; a database that does not answer keeps what was read.
 */
export function createUpstreamRegistry(
  ctx: Pick<ServiceContext, "db">,
  keys: { keyEncryptionKey: Buffer; previousKeyEncryptionKeys: readonly Buffer[] },
): UpstreamRegistry {
  const allKeys = [keys.keyEncryptionKey, ...keys.previousKeyEncryptionKeys];
  let cached: { providers: UpstreamProvider[]; readAtMs: number } | null = null;
  const read = async (): Promise<UpstreamProvider[]> => {
    const providers = (await listUpstreamProviders(ctx.db)).flatMap(
      (stored) => openProvider(stored, allKeys) ?? [],
    );
    cached = { providers, readAtMs: performance.now() };
    return providers;
  };
  return {
    async list() {
      // A cache interval, not a security time: the monotonic clock, not the injected one.
      if (cached !== null && performance.now() - cached.readAtMs < UPSTREAM_PROVIDERS_REFRESH_MS) {
        return cached.providers;
      }
      try {
        return await read();
      } catch (error) {
        if (cached === null) throw error;
        return cached.providers;
      }
    },
    async fresh(id) {
      return (await read()).find((provider) => provider.id === id);
    },
    invalidate() {
      cached = null;
    },
  };
}
