/**
 * `tessera serve` at start (src/server.ts `openWithRetry`, issue 14 item 4): an unreachable
 * PostgreSQL is retried with backoff for a bounded time, printing the cause, instead of exiting
 * after one attempt. The database is made unreachable through a proxy the test controls.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openWithRetry } from "../src/server.js";
import { openTestDatabase, TEST_DIALECTS, type TestDatabase } from "./helpers/database.js";
import { testConfig } from "./helpers/server.js";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";

const skip = TEST_DIALECTS.includes("postgres") ? null : "PostgreSQL is not reachable here";
if (skip !== null) console.log(`skipping the start-up retries: ${skip}`);

describe.skipIf(skip !== null)("tessera serve with an unreachable database", () => {
  let database: TestDatabase | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await database?.cleanup();
  });

  async function unreachable(): Promise<string> {
    database = await openTestDatabase("postgres");
    const target = new URL(database.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.setMode("refuse");
    const url = new URL(database.url);
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    return url.toString();
  }

  it("retries, printing the cause, and starts once the database answers", async () => {
    const url = await unreachable();
    const lines: string[] = [];
    const tessera = await openWithRetry(
      testConfig({ TESSERA_DATABASE_URL: url, TESSERA_DATABASE_START_TIMEOUT_SECONDS: "60" }),
      (line) => {
        lines.push(line);
        // The database comes up after the second failed attempt.
        if (lines.length === 2) void proxy!.setMode("pass");
      },
    );
    try {
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines[0]).toMatch(/Database unreachable \(.*ECONNREFUSED.*\); retrying in 250 ms/);
      expect(lines[1]).toMatch(/retrying in 500 ms/);
      expect((await tessera.readiness()).ready).toBe(true);
    } finally {
      await tessera.close();
    }
  });

  it("gives up with the driver's error once the start timeout has passed", async () => {
    const url = await unreachable();
    const lines: string[] = [];
    await expect(
      openWithRetry(
        testConfig({ TESSERA_DATABASE_URL: url, TESSERA_DATABASE_START_TIMEOUT_SECONDS: "0" }),
        (line) => lines.push(line),
      ),
    ).rejects.toThrow(/ECONNREFUSED|migration failed/);
    expect(lines).toEqual([]);
  });
});
