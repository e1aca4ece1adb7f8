/** `tessera audit verify` and `tessera audit export` over a real database. */
import { sql } from "kysely";
import { expect, it } from "vitest";
import { runCli } from "../../src/cli.js";
import { appendAuditEvent } from "../../src/store/index.js";
import { captureIo } from "../helpers/cli.js";
import { TEST_ARGON2_ENV } from "../helpers/server.js";
import { describeStore } from "../helpers/store.js";

describeStore("tessera audit", (ctx) => {
  const env = () => ({
    NODE_ENV: "test",
    TESSERA_DATABASE_URL: ctx.database.url,
    TESSERA_JWT_SECRET: "x".repeat(40),
    ...TEST_ARGON2_ENV,
  });

  it("verifies the chain, then names the row edited with SQL", async () => {
    for (let i = 0; i < 4; i += 1) {
      await appendAuditEvent(ctx.db, {
        event: "login_succeeded",
        userId: null,
        detail: { i },
        atMs: Date.UTC(2026, 0, 1, 0, i),
      });
    }
    const ok = captureIo();
    expect(await runCli(["audit", "verify"], env(), ok)).toBe(0);
    expect(ok.lines[0]).toBe("Audit chain OK: 4 event(s), seq 1..4.");

    await sql`update audit_events set event = 'login_failed' where seq = 2`.execute(ctx.db);
    const broken = captureIo();
    expect(await runCli(["audit", "verify"], env(), broken)).toBe(1);
    expect(broken.lines[0]).toMatch(
      /^Audit chain BROKEN at seq 2 \(id \d+\): its content does not match its hash/,
    );
  });

  it("exports the events since a date as JSON lines, oldest first", async () => {
    for (let i = 0; i < 3; i += 1) {
      await appendAuditEvent(ctx.db, {
        event: "logout_all",
        userId: null,
        atMs: Date.UTC(2026, 0, 1 + i),
      });
    }
    const io = captureIo();
    expect(await runCli(["audit", "export", "--since", "2026-01-02"], env(), io)).toBe(0);
    const events = io.lines.map((l) => JSON.parse(l) as { seq: number; at: string; hash: string });
    expect(events.map((e) => e.at)).toEqual([
      "2026-01-02T00:00:00.000Z",
      "2026-01-03T00:00:00.000Z",
    ]);
    expect(events[1]).toMatchObject({ seq: 3, prev_hash: events[0]!.hash });
    expect(await runCli(["audit", "export"], env(), captureIo())).toBe(2);
    expect(await runCli(["audit", "frobnicate"], env(), captureIo())).toBe(2);
  });
});
