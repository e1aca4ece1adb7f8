/**
 * `tessera clients …`: the relying parties of the OpenID Connect provider, audited as the
 * operator (src/services/oidc/clients.ts):
 * - `add --name NAME --redirect-uri URI … [--public] [--first-party]
 *   [--post-logout-redirect-uri URI …] [--backchannel-logout-uri URI] [--grant G …] [--json]`:
 *   prints the client id and, unless public, its secret, shown this once;
 * - `list [--json]`: every client, oldest first, never a secret;
 * - `remove ID`: the client and the consents people gave it;
 * - `rotate-secret ID [--json]`: a new secret, shown once; the old one stops working.
 * With `--json` standard output holds one JSON document and nothing else.
 */
import { NotFoundError } from "../core/errors.js";
import type { ServiceContext } from "../services/context.js";
import {
  addOidcClient,
  listOidcClients,
  removeOidcClient,
  rotateOidcClientSecret,
  type AddedOidcClient,
  applicationViewOf,
} from "../services/oidc/clients.js";
import {
  commandWithActions,
  EXIT_USAGE,
  printUsage,
  parseCommandArgs,
  withTessera,
  type CliIo,
} from "./shared.js";

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

const USAGE = [
  "Usage:",
  "  tessera clients add --name NAME --redirect-uri URI [--redirect-uri URI …] [--public]",
  "      [--first-party] [--post-logout-redirect-uri URI …] [--backchannel-logout-uri URI]",
  "      [--grant authorization_code|refresh_token|client_credentials|device_code …] [--json]",
  "  tessera clients list [--json]",
  "  tessera clients remove CLIENT_ID",
  "  tessera clients rotate-secret CLIENT_ID [--json]",
];

function usage(io: CliIo, problem?: string): number {
  return printUsage(io, USAGE, problem);
}

/** Runs `work` over the configured Tessera; an unknown client is exit code 1 with a message. */
function onClients(
  env: NodeJS.ProcessEnv,
  io: CliIo,
  clientId: string | null,
  work: (ctx: ServiceContext) => Promise<number>,
): Promise<number> {
  return withTessera(env, async (tessera) => {
    try {
      return await work(tessera.ctx);
    } catch (error) {
      if (!(error instanceof NotFoundError) || clientId === null) throw error;
      io.err(`No client with id ${JSON.stringify(clientId)}.`);
      return 1;
    }
  });
}

/** The credentials as `--json` prints them: no `client_secret` key for a public client. */
function credentialsJson(added: AddedOidcClient): string {
  return JSON.stringify(
    added.clientSecret === undefined
      ? { client_id: added.clientId }
      : { client_id: added.clientId, client_secret: added.clientSecret },
  );
}

function listOf(value: string | boolean | string[] | undefined): string[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

async function add(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      name: "string",
      "redirect-uri": "strings",
      public: "boolean",
      "first-party": "boolean",
      "post-logout-redirect-uri": "strings",
      "backchannel-logout-uri": "string",
      grant: "strings",
      json: "boolean",
    },
    io,
  );
  if (parsed === null) return usage(io);
  const { values, positionals } = parsed;
  if (typeof values.name !== "string" || positionals.length > 0) {
    return usage(io, "tessera clients add needs --name NAME (and no other arguments)");
  }
  const backchannel = values["backchannel-logout-uri"];
  const input = {
    name: values.name,
    redirectUris: listOf(values["redirect-uri"]) ?? [],
    public: values.public === true,
    firstParty: values["first-party"] === true,
    postLogoutRedirectUris: listOf(values["post-logout-redirect-uri"]),
    ...(typeof backchannel === "string" ? { backchannelLogoutUri: backchannel } : {}),
    // `device_code` stands for its URN (RFC 8628 §3.4), which is long to type.
    grants: listOf(values.grant)?.map((grant) =>
      grant === "device_code" ? DEVICE_CODE_GRANT : grant,
    ),
  };
  return onClients(env, io, null, async (ctx) => {
    const added = await addOidcClient(ctx, input);
    if (values.json === true) {
      io.out(credentialsJson(added));
      return 0;
    }
    const name = input.name.trim();
    if (added.clientSecret === undefined) {
      io.out(`Added the public client ${name}: it has no secret (it proves itself with PKCE).`);
      io.out(`client_id: ${added.clientId}`);
      return 0;
    }
    io.out(`Added the client ${name}.`);
    io.out(`client_id:     ${added.clientId}`);
    io.out(`client_secret: ${added.clientSecret}`);
    io.out(
      "The secret is shown once: Tessera keeps only its digest. Store it now; `tessera clients rotate-secret ID` makes a new one.",
    );
    return 0;
  });
}

async function list(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { json: "boolean" }, io);
  if (parsed === null) return usage(io);
  if (parsed.positionals.length > 0) return usage(io, "tessera clients list takes no arguments");
  return onClients(env, io, null, async (ctx) => {
    const clients = await listOidcClients(ctx);
    if (parsed.values.json === true) {
      io.out(JSON.stringify(clients.map(applicationViewOf)));
      return 0;
    }
    if (clients.length === 0) io.out("No clients registered.");
    for (const client of clients) {
      const kind = [client.public ? "public" : "confidential"];
      if (client.firstParty) kind.push("first party");
      io.out(
        `${client.clientId}  ${client.name}  (${kind.join(", ")})  created ${client.createdAt.toISOString()}`,
      );
      io.out(`    grants: ${client.grants.join(" ")}`);
      if (client.redirectUris.length > 0) {
        io.out(`    redirect URIs: ${client.redirectUris.join(" ")}`);
      }
      if (client.postLogoutRedirectUris.length > 0) {
        io.out(`    post-logout redirect URIs: ${client.postLogoutRedirectUris.join(" ")}`);
      }
      if (client.backchannelLogoutUri !== null) {
        io.out(`    back-channel logout URI: ${client.backchannelLogoutUri}`);
      }
    }
    return 0;
  });
}

/** The one CLIENT_ID of `remove` and `rotate-secret`, or null after printing the usage. */
function clientIdArgument(
  command: string,
  args: readonly string[],
  io: CliIo,
  spec: Record<string, "boolean">,
): { clientId: string; json: boolean } | null {
  const parsed = parseCommandArgs(args, spec, io);
  if (parsed === null) {
    usage(io);
    return null;
  }
  const [clientId, ...rest] = parsed.positionals;
  if (clientId === undefined || clientId === "" || rest.length > 0) {
    usage(io, `tessera clients ${command} needs exactly one CLIENT_ID`);
    return null;
  }
  return { clientId, json: parsed.values.json === true };
}

async function remove(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const argument = clientIdArgument("remove", args, io, {});
  if (argument === null) return EXIT_USAGE;
  return onClients(env, io, argument.clientId, async (ctx) => {
    const removed = await removeOidcClient(ctx, argument.clientId);
    io.out(
      `Removed the client ${removed.name} (${removed.clientId}) and the consents people gave it.`,
    );
    return 0;
  });
}

async function rotateSecret(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  const argument = clientIdArgument("rotate-secret", args, io, { json: "boolean" });
  if (argument === null) return EXIT_USAGE;
  return onClients(env, io, argument.clientId, async (ctx) => {
    const rotated = await rotateOidcClientSecret(ctx, argument.clientId);
    if (argument.json) {
      io.out(credentialsJson(rotated));
      return 0;
    }
    io.out(`New secret of the client ${rotated.clientId}; the old one no longer works.`);
    io.out(`client_secret: ${rotated.clientSecret}`);
    io.out("The secret is shown once: Tessera keeps only its digest. Store it now.");
    return 0;
  });
}

export const clientsCommand = commandWithActions(
  "OpenID Connect clients: clients add --name NAME --redirect-uri URI … [--public] [--first-party] [--grant G …] [--json] | list [--json] | remove ID | rotate-secret ID [--json] (a secret is shown once)",
  USAGE,
  { add, list, remove, "rotate-secret": rotateSecret },
);
