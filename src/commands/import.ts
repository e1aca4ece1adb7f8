/** `tessera import FILE.jsonl [--dry-run]`: the Python app's users, all or nothing. */
import { readFile } from "node:fs/promises";
import type { CliCommand } from "./shared.js";
import { importUsers } from "../services/operator/user-import/index.js";
import { EXIT_USAGE, parseCommandArgs, withTessera } from "./shared.js";

export const importCommand: CliCommand = {
  summary:
    "Import the Python app's users from FILE.jsonl (one user a line) [--dry-run]: all or nothing, collisions reported",
  async run(args, env, io) {
    const parsed = parseCommandArgs(args, { "dry-run": "boolean" }, io);
    if (parsed === null) return EXIT_USAGE;
    const [file, ...rest] = parsed.positionals;
    if (file === undefined || rest.length > 0) {
      io.err("tessera import needs exactly one FILE.jsonl");
      return EXIT_USAGE;
    }
    const dryRun = parsed.values["dry-run"] === true;
    const text = await readFile(file, "utf8");
    return withTessera(env, async (tessera) => {
      const report = await importUsers(tessera.ctx, text, { dryRun });
      io.out(
        `${report.users} user(s) read: ${report.admins} admin(s), ${report.withTotp} with TOTP, ` +
          `${report.withPendingTotp} with a pending TOTP setup, ${report.passkeys} passkey(s).`,
      );
      if (report.newIds > 0) {
        io.out(
          `${report.newIds} user(s) have no id in the file: they get new ids, so their old tokens will not work.`,
        );
      }
      if (report.problems.length > 0) {
        for (const problem of report.problems) io.err(problem);
        io.err(`${report.problems.length} problem(s): nothing was imported.`);
        return 1;
      }
      io.out(
        dryRun
          ? "Dry run: every line is valid and nothing collides; nothing was written."
          : `Imported ${report.users} user(s). Passwords are re-hashed at each user's next sign-in.`,
      );
      return 0;
    });
  },
};
