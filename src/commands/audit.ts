/**
 * `tessera audit verify`: walks the hash chain, reports the first broken link (exit code 1).
 * `tessera audit export --since DATE`: events at or after DATE, oldest first, one JSON object a
 * line on standard output, with their chain fields (`seq`, `prev_hash`, `hash`).
 */
import type { CliCommand, CliIo } from "./shared.js";
import { toAuditEventView } from "../services/audit/audit-log.js";
import { readAuditEventsSince, verifyAuditChain } from "../store/index.js";
import type { TesseraRuntime } from "../runtime.js";
import { EXIT_USAGE, parseCommandArgs, withTessera } from "./shared.js";

const USAGE = "tessera audit verify | tessera audit export --since DATE (ISO 8601) > events.jsonl";

export const auditCommand: CliCommand = {
  summary: "Audit trail: `verify` checks the hash chain; `export --since DATE` writes JSON lines",
  async run(args, env, io) {
    const [sub, ...rest] = args;
    if (sub === "verify" && rest.length === 0) return withTessera(env, (t) => verify(t, io));
    if (sub === "export") {
      const parsed = parseCommandArgs(rest, { since: "string" }, io);
      if (parsed === null) return EXIT_USAGE;
      const since = parsed.values.since;
      const date = typeof since === "string" ? new Date(since) : null;
      if (parsed.positionals.length > 0 || date === null || Number.isNaN(date.getTime())) {
        io.err(`Usage: ${USAGE}`);
        return EXIT_USAGE;
      }
      return withTessera(env, (t) => exportEvents(t, date, io));
    }
    io.err(`Usage: ${USAGE}`);
    return EXIT_USAGE;
  },
};

async function verify(tessera: TesseraRuntime, io: CliIo): Promise<number> {
  const report = await verifyAuditChain(tessera.ctx.db);
  if (report.broken !== null) {
    const { seq, id, reason } = report.broken;
    io.out(`Audit chain BROKEN at seq ${seq}${id === null ? "" : ` (id ${id})`}: ${reason}.`);
    io.out(`${report.checked} event(s) verified before it.`);
    return 1;
  }
  io.out(
    report.checked === 0
      ? "Audit chain OK: no events stored."
      : `Audit chain OK: ${report.checked} event(s), seq ${report.firstSeq}..${report.lastSeq}.`,
  );
  if (report.unchained > 0) {
    io.out(
      `${report.unchained} event(s) have no place in the chain (written by an older Tessera during an upgrade).`,
    );
  }
  io.out(`Head: seq ${report.headSeq} ${report.headHash || "(empty)"}`);
  io.out("Keep the head somewhere else: a later verify that does not reach it means a rewrite.");
  return 0;
}

async function exportEvents(tessera: TesseraRuntime, since: Date, io: CliIo): Promise<number> {
  let after = 0;
  let count = 0;
  for (;;) {
    const events = await readAuditEventsSince(tessera.ctx.db, since.getTime(), after);
    for (const event of events) {
      io.out(
        JSON.stringify({ ...toAuditEventView(event), prev_hash: event.prevHash, hash: event.hash }),
      );
    }
    count += events.length;
    const last = events.at(-1);
    if (last === undefined) break;
    after = last.seq;
  }
  io.err(`Exported ${count} event(s) since ${since.toISOString()}.`);
  return 0;
}
