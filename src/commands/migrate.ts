/** `tessera migrate [--status]`: apply pending migrations, or list applied and pending ones. */
import type { CliCommand } from "./shared.js";
import {
  assertSchemaNotNewer,
  createDatabase,
  getMigrationStatus,
  migrateToLatest,
} from "../store/index.js";
import { EXIT_USAGE, describeDatabase } from "./shared.js";

export const migrateCommand: CliCommand = {
  summary:
    "Apply pending database migrations; --status lists applied and pending ones (reads TESSERA_DATABASE_URL)",
  async run(args, env, io) {
    const status = args.length === 1 && args[0] === "--status";
    if (args.length > 0 && !status) {
      io.err(`tessera migrate takes no arguments but --status (got ${args.join(" ")})`);
      return EXIT_USAGE;
    }
    const url = env.TESSERA_DATABASE_URL;
    const database = await createDatabase(url);
    try {
      if (status) {
        io.out(`Migrations of ${describeDatabase(url)}`);
        const states = await getMigrationStatus(database.db);
        for (const state of states) {
          const when = state.executedAt?.toISOString() ?? "";
          const label = state.unknown
            ? "unknown"
            : state.executedAt === null
              ? "pending"
              : "applied";
          io.out(`  ${label.padEnd(8)} ${state.name}${when === "" ? "" : `  ${when}`}`);
        }
        const pending = states.filter((s) => s.executedAt === null).length;
        const unknown = states.filter((s) => s.unknown).length;
        if (unknown > 0) {
          io.out(`${unknown} migration(s) from a newer Tessera: upgrade this installation.`);
          return 1;
        }
        io.out(pending === 0 ? "The database is up to date." : `${pending} pending.`);
        return 0;
      }
      io.out(`Migrating ${describeDatabase(url)}`);
      await assertSchemaNotNewer(database.db);
      const applied = await migrateToLatest(database.db);
      if (applied.length === 0) io.out("The database is up to date.");
      for (const name of applied) io.out(`Applied ${name}`);
      return 0;
    } finally {
      await database.destroy();
    }
  },
};
