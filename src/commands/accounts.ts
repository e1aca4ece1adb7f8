/**
 * Operator commands on one account, found by name or email, audited as the operator:
 * - `tessera disable-2fa --name NAME_OR_EMAIL`: removes the authenticator app and passkeys;
 * - `tessera unlock --name NAME_OR_EMAIL`: removes an admin's lock (admins' included);
 * - `tessera verify-email --name NAME_OR_EMAIL`: marks the address verified without a link.
 */
import { NotFoundError } from "../core/errors.js";
import { unlockAccountAsOperator } from "../services/account/account-lock.js";
import type { ServiceContext } from "../services/context.js";
import { markEmailVerifiedAsOperator } from "../services/account/email-verification.js";
import { disableSecondFactorsAsOperator } from "../services/factors/second-factors.js";
import {
  EXIT_USAGE,
  parseCommandArgs,
  withTessera,
  type CliCommand,
  type CliIo,
} from "./shared.js";

/** The `--name` of a one-account command, or null after printing the usage. */
function nameOption(command: string, args: readonly string[], io: CliIo): string | null {
  const parsed = parseCommandArgs(args, { name: "string" }, io);
  if (parsed === null) return null;
  const name = parsed.values.name;
  if (typeof name !== "string" || name === "" || parsed.positionals.length > 0) {
    io.err(`Usage: tessera ${command} --name NAME_OR_EMAIL`);
    return null;
  }
  return name;
}

/** Runs `work` over the configured Tessera; a missing user is exit code 1 with a message. */
async function onAccount(
  env: NodeJS.ProcessEnv,
  io: CliIo,
  name: string,
  work: (ctx: ServiceContext) => Promise<number>,
): Promise<number> {
  return withTessera(env, async (tessera) => {
    try {
      return await work(tessera.ctx);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      io.err(`No user named ${JSON.stringify(name)}.`);
      return 1;
    }
  });
}

export const disableSecondFactorsCommand: CliCommand = {
  summary:
    "Remove a user's authenticator app and passkeys: --name NAME_OR_EMAIL (audited as the operator)",
  async run(args, env, io) {
    const name = nameOption("disable-2fa", args, io);
    if (name === null) return EXIT_USAGE;
    return onAccount(env, io, name, async (ctx) => {
      const { user, removed } = await disableSecondFactorsAsOperator(ctx, name);
      const what = [
        removed.totp ? "the authenticator app" : null,
        removed.passkeys > 0 ? `${removed.passkeys} passkey(s)` : null,
        removed.recoveryCodes > 0 ? `${removed.recoveryCodes} recovery code(s)` : null,
      ].filter((part) => part !== null);
      io.out(
        what.length === 0
          ? `${user.name} had no second factor; nothing changed.`
          : user.passwordHash === null
            ? `Removed ${what.join(" and ")} of ${user.name}, who has no password: they choose one through "Forgot your password?".`
            : `Removed ${what.join(" and ")} of ${user.name}; they sign in with their password alone.`,
      );
      return 0;
    });
  },
};

export const unlockCommand: CliCommand = {
  summary: "Unlock an account an admin locked: --name NAME_OR_EMAIL (audited as the operator)",
  async run(args, env, io) {
    const name = nameOption("unlock", args, io);
    if (name === null) return EXIT_USAGE;
    return onAccount(env, io, name, async (ctx) => {
      const { user, wasLocked } = await unlockAccountAsOperator(ctx, name);
      io.out(
        wasLocked
          ? `Unlocked ${user.name}; they can sign in again.`
          : `${user.name} was not locked; nothing changed.`,
      );
      return 0;
    });
  },
};

export const verifyEmailCommand: CliCommand = {
  summary:
    "Mark a user's email address verified without a link: --name NAME_OR_EMAIL (e.g. an admin locked out by TESSERA_REQUIRE_VERIFIED_EMAIL)",
  async run(args, env, io) {
    const name = nameOption("verify-email", args, io);
    if (name === null) return EXIT_USAGE;
    return onAccount(env, io, name, async (ctx) => {
      const user = await markEmailVerifiedAsOperator(ctx, name);
      io.out(`The address ${user.email} of ${user.name} is marked verified.`);
      return 0;
    });
  },
};
