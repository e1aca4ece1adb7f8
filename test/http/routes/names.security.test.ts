/**
 * Issue 14 item 8 through the real server on both dialects: names and emails with invisible,
 * bidi-control or unpaired-surrogate characters get 400 `validation_error` naming the character
 * (on SQLite too, which used to store lone surrogates PostgreSQL cannot); `tessera check-names`
 * lists names stored before the rule.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli, type CliIo } from "../../../src/cli.js";
import { openTestDatabase } from "../../helpers/database.js";
import {
  startTestServer,
  TEST_JWT_SECRET,
  type TestClient,
  type TestServer,
} from "../../helpers/server.js";
import { describeStore } from "../../helpers/store.js";

describeStore("names that cannot impersonate", { database: false }, ({ dialect }) => {
  let server: TestServer;
  let admin: TestClient;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    const user = await server.createUser({ isAdmin: true });
    admin = server.client();
    await admin.login(user.name, user.password);
  });
  afterAll(() => server.close());

  it("refuses look-alike names and emails with 400 validation_error naming the character", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ name: "ad\u200Bmin" }, "U+200B ZERO WIDTH SPACE"],
      [{ name: "ad\u00ADmin" }, "U+00AD SOFT HYPHEN"],
      [{ name: "\u202Enimda" }, "U+202E RIGHT-TO-LEFT OVERRIDE"],
      [{ name: "admin\u{E0041}" }, "U+E0041"],
      [{ name: "ad\u200Dmin" }, "U+200D ZERO WIDTH JOINER"],
      [{ name: "ad\uD800min" }, "U+D800"],
      [{ email: "ad\u2060min@example.org" }, "U+2060 WORD JOINER"],
    ];
    for (const [index, [fields, character]] of cases.entries()) {
      const answer = await admin.request("POST", "/users/create", {
        json: {
          name: `clean-${index}`,
          email: `clean-${index}@example.org`,
          password: "a long enough passphrase 42",
          ...fields,
        },
      });
      expect(answer.status, character).toBe(400);
      expect(answer.body).toMatchObject({ code: "validation_error", extra: { character } });
      expect(answer.body.detail).toContain(character);
    }
  });
});

describeStore("tessera check-names", { database: false }, ({ dialect }) => {
  it("lists names stored before the rule, escaped, and exits 1", async () => {
    const database = await openTestDatabase(dialect);
    const server = await startTestServer(dialect, { overrides: { database } });
    try {
      const clean = await server.createUser({ name: "clean-name" });
      const legacy = await server.createUser({ name: "legacy" });
      // Stored before the rule existed: written around the checks.
      await database.db
        .updateTable("users")
        .set({ name: "ad\u200Bmin" })
        .where("id", "=", legacy.id)
        .execute();
      const lines: string[] = [];
      const io: CliIo = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
      const env = {
        TESSERA_DATABASE_URL: database.url,
        TESSERA_JWT_SECRET: TEST_JWT_SECRET,
        NODE_ENV: "test",
      };
      expect(await runCli(["check-names"], env, io)).toBe(1);
      expect(lines[0]).toBe(
        `${legacy.id} name "ad\\u{200B}min": U+200B ZERO WIDTH SPACE (invisible (default-ignorable) character)`,
      );
      expect(lines.join("\n")).not.toContain(clean.id);
      await database.db
        .updateTable("users")
        .set({ name: "admin-renamed" })
        .where("id", "=", legacy.id)
        .execute();
      lines.length = 0;
      expect(await runCli(["check-names"], env, io)).toBe(0);
      expect(lines).toEqual(["Every name and email is clean."]);
    } finally {
      await server.close();
      await database.cleanup();
    }
  });
});
