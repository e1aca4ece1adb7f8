/**
 * The error counters of `createTessera`'s metrics: a failed query and an unreachable Redis move
 * them; a unique violation (a taken name: an answer, not a failure) does not.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTessera } from "../../src/runtime.js";
import { createUser } from "../../src/services/account/users.js";
import { testConfig } from "../helpers/server.js";

async function counter(
  tessera: Awaited<ReturnType<typeof createTessera>>,
  name: string,
): Promise<number> {
  const metric = await tessera.metrics!.registry.getSingleMetric(name)!.get();
  return metric.values[0]?.value ?? 0;
}

describe("error metrics", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-metrics-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("counts failed queries but not a taken name", async () => {
    const tessera = await createTessera(
      testConfig({ TESSERA_DATABASE_URL: join(dir, "errors.db") }),
    );
    try {
      const input = { name: "taken", email: "taken@example.org", password: "a long password 1" };
      await createUser(tessera.ctx, null, input);
      await expect(createUser(tessera.ctx, null, input)).rejects.toMatchObject({
        code: "conflict",
      });
      expect(await counter(tessera, "tessera_database_errors_total")).toBe(0);
      await expect(sql`select * from no_such_table`.execute(tessera.ctx.db)).rejects.toThrow();
      expect(await counter(tessera, "tessera_database_errors_total")).toBe(1);
    } finally {
      await tessera.close();
    }
  });

  it("counts Redis connection errors", async () => {
    // Port 1 on loopback: nothing listens, every connection is refused.
    const tessera = await createTessera(
      testConfig({
        TESSERA_DATABASE_URL: join(dir, "redis.db"),
        TESSERA_REDIS_URL: "redis://127.0.0.1:1",
      }),
    );
    try {
      await expect(
        tessera.passkeys.challenges.consume("x".repeat(43), "login", Date.now()),
      ).rejects.toThrow();
      for (
        let i = 0;
        i < 100 && (await counter(tessera, "tessera_redis_errors_total")) === 0;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await counter(tessera, "tessera_redis_errors_total")).toBeGreaterThan(0);
    } finally {
      await tessera.close();
    }
  });
});
