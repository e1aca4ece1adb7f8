/**
 * Issue 25 item 3 in a real browser: the admin page finds a user by typing part of their name
 * (searched as one types), filters, shows a page of users with "More users" for the next, and
 * its count is the server's (`X-Total-Count`), not the rows loaded.
 */
import { describe, expect, it } from "vitest";
import { insertUser } from "../../src/store/index.js";
import {
  hasCount,
  hasText,
  hidden,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  visible,
} from "./helpers.js";

const ADMIN = {
  name: "root",
  email: "root@example.org",
  password: "the chief's long passphrase 7",
};
const HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$fakefakefakefakefakefakefakefakefakefakefak";
/** More than a page (50) of members, and one person to find. */
const MEMBERS = 60;

describe.skipIf(skipBrowserTests())("the admin page's user search in a browser", () => {
  const e2e = useE2e({ users: [{ ...ADMIN, isAdmin: true }], tabs: ["admin"] });
  const { admin } = e2e.tabs;
  // The user rows only: a row holds its own list of sessions.
  const rows = () => admin.page.locator("#user-list > li");

  it("shows the first page, the count of everyone, and the rest with More users", async () => {
    const db = e2e.server.app.tessera.db;
    const now = new Date(e2e.server.clock());
    for (let i = 0; i < MEMBERS; i += 1) {
      const n = String(i).padStart(2, "0");
      await insertUser(db, {
        name: `member${n}`,
        email: `member${n}@example.org`,
        passwordHash: HASH,
        nowMs: now.getTime(),
      });
    }
    await insertUser(db, {
      name: "Zelda Fitzgerald",
      email: "zf@example.org",
      passwordHash: HASH,
      nowMs: now.getTime(),
    });
    const { page } = admin;
    await signIn(page, ADMIN.name, ADMIN.password);
    await page.waitForURL("**/account");
    await page.goto("/admin");
    const everyone = String(MEMBERS + 2);
    await hasText(page.locator("#user-count"), everyone);
    await hasCount(rows(), 50);
    await page.getByRole("button", { name: "More users" }).click();
    await hasCount(rows(), MEMBERS + 2);
    await hidden(page.locator("#users-more"));
  });

  it("finds a user by typing part of the name", async () => {
    const { page } = admin;
    await page.getByLabel("Find by the start of a name or email").pressSequentially("zel", {
      delay: 30,
    });
    await hasCount(rows(), 1);
    await hasText(page.locator("#user-count"), "1");
    await visible(page.locator("#user-list li", { hasText: "zf@example.org" }));
    expect(await rows().first().textContent()).toContain("Zelda Fitzgerald");
    await screenshot(page, "admin-user-search");
    // Not found: the list says so.
    await page.getByLabel("Find by the start of a name or email").fill("nobody-here");
    await hasCount(rows(), 0);
    await visible(page.locator("#users-none"));
    await hasText(page.locator("#user-count"), "0");
  });

  it("filters: administrators only, then everyone again", async () => {
    const { page } = admin;
    await page.getByLabel("Find by the start of a name or email").fill("");
    await page.getByLabel("Show").selectOption({ label: "Administrators" });
    await hasCount(rows(), 1);
    await visible(page.locator("#user-list li", { hasText: ADMIN.email }));
    await hasText(page.locator("#user-count"), "1");
    await page.getByLabel("Show").selectOption({ label: "Everyone" });
    await hasText(page.locator("#user-count"), String(MEMBERS + 2));
    await hasCount(rows(), 50);
  });
});
