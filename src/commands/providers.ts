/**
 * `tessera providers …`: where people may sign in from (issue 22), audited as the operator
 * (src/services/upstream/providers.ts):
 * - `add --id ID --issuer URL --client-id ID --client-secret-stdin [--name LABEL]
 *   [--preset google|microsoft|github] [--tenant T] [--scopes "…"]
 *   [--link verified-email|sign-in-first|never] [--create-accounts] [--trust-upstream-mfa]
 *   [--json]`: the secret is read from standard input and sealed; prints the callback URL to
 *   register upstream;
 * - `list [--json]`: every provider, oldest first, never a secret;
 * - `remove ID`: the provider and every sign-in linked through it.
 * With `--json` standard output holds one JSON document and nothing else.
 */
import { NotFoundError } from "../core/errors.js";
import {
  addUpstreamProvider,
  providerInfoOf,
  removeUpstreamProvider,
} from "../services/upstream/providers.js";
import type { UpstreamProviderInfo } from "../services/upstream/types.js";
import {
  commandWithActions,
  printUsage,
  parseCommandArgs,
  readStdinText,
  withTessera,
  type CliIo,
} from "./shared.js";

const USAGE = [
  "Usage:",
  "  tessera providers add --id ID (--issuer URL | --preset google|microsoft|github [--tenant T])",
  '      --client-id ID --client-secret-stdin [--name LABEL] [--scopes "openid email profile"]',
  "      [--link verified-email|sign-in-first|never] [--create-accounts] [--trust-upstream-mfa] [--json]",
  "  tessera providers list [--json]",
  "  tessera providers remove ID",
];

function usage(io: CliIo, problem?: string): number {
  return printUsage(io, USAGE, problem);
}

/** A provider as `--json` prints it. */
function providerJson(info: UpstreamProviderInfo) {
  return {
    id: info.id,
    name: info.name,
    kind: info.kind,
    issuer: info.issuer,
    client_id: info.clientId,
    scopes: info.scopes,
    link: info.linkPolicy,
    create_accounts: info.createAccounts,
    trust_upstream_mfa: info.trustUpstreamMfa,
    callback_url: info.callbackUrl,
    created_at: info.createdAt.toISOString(),
  };
}

function text(value: string | boolean | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

async function add(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      id: "string",
      issuer: "string",
      "client-id": "string",
      "client-secret-stdin": "boolean",
      name: "string",
      preset: "string",
      tenant: "string",
      scopes: "string",
      link: "string",
      "create-accounts": "boolean",
      "trust-upstream-mfa": "boolean",
      json: "boolean",
    },
    io,
  );
  if (parsed === null) return usage(io);
  const { values, positionals } = parsed;
  const id = text(values.id);
  const clientId = text(values["client-id"]);
  if (id === undefined || clientId === undefined || positionals.length > 0) {
    return usage(
      io,
      "tessera providers add needs --id ID and --client-id ID (and no other arguments)",
    );
  }
  if (values["client-secret-stdin"] !== true) {
    return usage(io, "The client secret is read from standard input: pass --client-secret-stdin");
  }
  const clientSecret = await readStdinText(io);
  return withTessera(env, async (tessera) => {
    const upstream = tessera.upstream;
    if (upstream === undefined) throw new Error("upstream providers are not available");
    const info = await addUpstreamProvider(tessera.ctx, upstream, {
      id,
      clientId,
      clientSecret,
      issuer: text(values.issuer),
      name: text(values.name),
      preset: text(values.preset),
      tenant: text(values.tenant),
      scopes: text(values.scopes),
      link: text(values.link),
      createAccounts: values["create-accounts"] === true,
      trustUpstreamMfa: values["trust-upstream-mfa"] === true,
    });
    if (values.json === true) {
      io.out(JSON.stringify(providerJson(info)));
      return 0;
    }
    io.out(`Added the sign-in provider ${info.name} (${info.id}), ${info.issuer}.`);
    io.out(`Register this redirect (callback) URL with the provider: ${info.callbackUrl}`);
    io.out(`Scopes asked for: ${info.scopes.join(" ")}; linking: ${info.linkPolicy}.`);
    return 0;
  });
}

async function list(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { json: "boolean" }, io);
  if (parsed === null) return usage(io);
  if (parsed.positionals.length > 0) return usage(io, "tessera providers list takes no arguments");
  return withTessera(env, async (tessera) => {
    const upstream = tessera.upstream;
    const providers = upstream === undefined ? [] : await upstream.registry.list();
    const infos = providers.map((p) => providerInfoOf(p, upstream?.publicUrl ?? ""));
    if (parsed.values.json === true) {
      io.out(JSON.stringify(infos.map(providerJson)));
      return 0;
    }
    if (infos.length === 0) io.out("No sign-in providers.");
    for (const info of infos) {
      io.out(`${info.id}  ${info.name}  (${info.kind})  ${info.issuer}  link: ${info.linkPolicy}`);
      io.out(`    callback URL: ${info.callbackUrl}`);
    }
    return 0;
  });
}

async function remove(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, {}, io);
  if (parsed === null) return usage(io);
  const [id, ...rest] = parsed.positionals;
  if (id === undefined || id === "" || rest.length > 0) {
    return usage(io, "tessera providers remove needs exactly one ID");
  }
  return withTessera(env, async (tessera) => {
    const upstream = tessera.upstream;
    try {
      if (upstream === undefined) throw new NotFoundError("No such provider");
      await removeUpstreamProvider(tessera.ctx, upstream, id);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      io.err(`No sign-in provider with id ${JSON.stringify(id)}.`);
      return 1;
    }
    io.out(`Removed the sign-in provider ${id} and the sign-ins linked through it.`);
    return 0;
  });
}

export const providersCommand = commandWithActions(
  "Sign-in providers: providers add --id ID (--issuer URL | --preset google|microsoft|github) --client-id ID --client-secret-stdin [--link …] [--create-accounts] [--json] | list [--json] | remove ID",
  USAGE,
  { add, list, remove },
);
