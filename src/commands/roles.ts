/**
 * `tessera roles …`: roles and who holds them (issue 23 item 2), audited as the operator
 * (src/services/account/roles.ts):
 * - `add NAME [--description TEXT] [--permission resource:action …]`: a new role;
 * - `list [--json]`: every role, its permissions and how many hold it;
 * - `remove NAME`: the role, taken from everyone who held it;
 * - `assign --name NAME_OR_EMAIL [ROLE …]`: exactly these roles from now on (none: no role;
 *   `admin` makes an admin, its absence demotes, never the last admin).
 * Errors (an unknown role, a malformed permission, the last admin) print their reason, exit 1.
 */
import { NotFoundError } from "../core/errors.js";
import {
  createRole,
  deleteRole,
  listRolesWithHolders,
  setUserRoles,
} from "../services/account/roles.js";
import { getUserByNameOrMail } from "../store/index.js";
import {
  commandWithActions,
  printUsage,
  parseCommandArgs,
  withTessera,
  type CliIo,
} from "./shared.js";

const USAGE = [
  "Usage:",
  "  tessera roles add NAME [--description TEXT] [--permission resource:action …]",
  "  tessera roles list [--json]",
  "  tessera roles remove NAME",
  "  tessera roles assign --name NAME_OR_EMAIL [ROLE …]   (exactly these roles; none: no role)",
];

function usage(io: CliIo, problem?: string): number {
  return printUsage(io, USAGE, problem);
}

async function add(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { description: "string", permission: "strings" }, io);
  if (parsed === null) return usage(io);
  const [name, ...rest] = parsed.positionals;
  if (name === undefined || rest.length > 0) return usage(io, "tessera roles add needs one NAME");
  const description = parsed.values.description;
  const permission = parsed.values.permission;
  return withTessera(env, async (tessera) => {
    const role = await createRole(tessera.ctx, null, {
      name,
      description: typeof description === "string" ? description : undefined,
      permissions: Array.isArray(permission) ? permission : [],
    });
    io.out(`Added the role ${role.name}: ${role.permissions.join(" ") || "(no permissions)"}`);
    return 0;
  });
}

async function list(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { json: "boolean" }, io);
  if (parsed === null) return usage(io);
  if (parsed.positionals.length > 0) return usage(io, "tessera roles list takes no arguments");
  return withTessera(env, async (tessera) => {
    const roles = await listRolesWithHolders(tessera.ctx, null);
    if (parsed.values.json === true) {
      io.out(
        JSON.stringify(
          roles.map((role) => ({
            name: role.name,
            description: role.description,
            permissions: role.permissions,
            built_in: role.builtIn,
            holders: role.holders,
          })),
        ),
      );
      return 0;
    }
    for (const role of roles) {
      const kind = role.builtIn ? ", built in: the admins" : "";
      io.out(`${role.name}  (${role.holders} holder(s)${kind})  ${role.description}`);
      io.out(`    permissions: ${role.permissions.join(" ") || "(none)"}`);
    }
    return 0;
  });
}

async function remove(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, {}, io);
  if (parsed === null) return usage(io);
  const [name, ...rest] = parsed.positionals;
  if (name === undefined || rest.length > 0) {
    return usage(io, "tessera roles remove needs one NAME");
  }
  return withTessera(env, async (tessera) => {
    try {
      await deleteRole(tessera.ctx, null, name);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      io.err(`No role named ${JSON.stringify(name)}.`);
      return 1;
    }
    io.out(`Removed the role ${name}; nobody holds it any more.`);
    return 0;
  });
}

async function assign(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { name: "string" }, io);
  if (parsed === null) return usage(io);
  const who = parsed.values.name;
  if (typeof who !== "string" || who === "") {
    return usage(io, "tessera roles assign needs --name NAME_OR_EMAIL");
  }
  return withTessera(env, async (tessera) => {
    const user = await getUserByNameOrMail(tessera.ctx.db, who);
    if (user === undefined) {
      io.err(`No user named ${JSON.stringify(who)}.`);
      return 1;
    }
    const grants = await setUserRoles(tessera.ctx, null, user.id, parsed.positionals);
    io.out(
      `${user.name} now holds ${grants.roles.join(", ") || "no role"}; permissions: ${
        grants.permissions.join(" ") || "(none)"
      }`,
    );
    return 0;
  });
}

export const rolesCommand = commandWithActions(
  "Roles and permissions: roles add NAME [--description TEXT] [--permission P …] | list [--json] | remove NAME | assign --name NAME_OR_EMAIL [ROLE …] (audited as the operator)",
  USAGE,
  { add, list, remove, assign },
);
