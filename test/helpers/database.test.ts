/** The shared helper's choice of dialects: skip PostgreSQL (saying why) only outside CI. */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const UNREACHABLE = "postgres://postgres@127.0.0.1:1/none";

async function dialectsWith(env: Record<string, string | undefined>) {
  const script = `import { TEST_DIALECTS } from ${JSON.stringify(join(process.cwd(), "test/helpers/database.ts"))};
console.log(JSON.stringify(TEST_DIALECTS));`;
  const dir = await mkdtemp(join(tmpdir(), "tessera-dialects-"));
  try {
    const file = join(dir, "print-dialects.mts");
    await writeFile(file, script);
    const { stdout, stderr } = await promisify(execFile)(
      join(process.cwd(), "node_modules/.bin/tsx"),
      [file],
      { env: { ...process.env, ...env } },
    );
    return { dialects: JSON.parse(stdout) as string[], stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("TEST_DIALECTS", () => {
  it("skips PostgreSQL outside CI when it cannot connect, and prints why", async () => {
    const { dialects, stderr } = await dialectsWith({
      TESSERA_TEST_DATABASE_URL: UNREACHABLE,
      CI: "",
    });
    expect(dialects).toEqual(["sqlite"]);
    expect(stderr).toContain("PostgreSQL tests skipped");
    expect(stderr).toContain("ECONNREFUSED");
  });

  it("keeps PostgreSQL in CI even when it cannot connect, so the run fails instead", async () => {
    const { dialects } = await dialectsWith({ TESSERA_TEST_DATABASE_URL: UNREACHABLE, CI: "true" });
    expect(dialects).toEqual(["sqlite", "postgres"]);
  });
});
