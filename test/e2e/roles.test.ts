/**
 * Roles in a real browser (issue 23 item 2): an admin creates a role on the admin page (a bad
 * permission is refused with the server's reason), changes its permissions, gives it to a user
 * by ticking a box, and deletes it; the user's `GET /me` follows each step. No page breaks the
 * CSP or loads anything from elsewhere (the watched context).
 */
import { describe, expect, it } from "vitest";
import { permissionsOfUser } from "../../src/services/grants.js";
import { getUserByNameOrMail } from "../../src/store/index.js";
import { hasText, screenshot, signIn, skipBrowserTests, useE2e, visible } from "./helpers.js";

const ADMIN = { name: "root", email: "root@example.org", password: "the operator's passphrase" };
const ADA = { name: "ada", email: "ada@example.org", password: "ada's long passphrase" };

describe.skipIf(skipBrowserTests())("roles in a browser", () => {
  const e2e = useE2e({ users: [{ ...ADMIN, isAdmin: true }, ADA], tabs: ["admin"] });
  const { admin } = e2e.tabs;
  const ctx = () => e2e.server.app.tessera;

  it("creates, changes, gives and deletes a role on the admin page", async () => {
    const { page } = admin;
    await signIn(page, ADMIN.name, ADMIN.password);
    await page.waitForURL("**/account");
    await page.goto("/admin");
    const section = page.locator("#roles-card");
    await visible(section.getByRole("heading", { name: /^Roles/ }));
    await visible(section.locator('li[data-name="admin"]'));

    const form = page.locator("#role-form");
    await form.getByLabel("Name").fill("billing");
    await form.getByLabel("Permissions").fill("invoices");
    await form.getByRole("button", { name: "Create role" }).click();
    await hasText(page.locator("#role-form-message"), /resource:action/);
    await form.getByLabel("Permissions").fill("invoices:write\ninvoices:read");
    await form.getByRole("button", { name: "Create role" }).click();
    await hasText(page.locator("#roles-message"), "Created the role billing.");
    const item = section.locator('li[data-name="billing"]');
    await hasText(item.locator(".meta").last(), "Permissions: invoices:read invoices:write");

    await item.getByRole("button", { name: "Edit billing" }).click();
    await item.getByLabel("Permissions").fill("invoices:write");
    await item.getByRole("button", { name: "Save" }).click();
    await hasText(page.locator("#roles-message"), /The role billing is changed/);

    const users = page.locator("#user-roles-form");
    await users.getByLabel("Name or email").fill("ADA");
    await users.getByRole("button", { name: "Show roles" }).click();
    await visible(page.locator("#user-roles-choice"));
    await users.getByLabel("billing").check();
    await users.getByRole("button", { name: "Save roles" }).click();
    await hasText(page.locator("#user-roles-message"), "Saved the roles of ada.");
    const ada = await getUserByNameOrMail(ctx().db, "ada");
    expect(await permissionsOfUser(ctx(), ada!.id)).toEqual({
      roles: ["billing"],
      permissions: ["invoices:write"],
    });
    await screenshot(page, "admin-roles");

    const billing = section.locator('li[data-name="billing"]');
    await billing.getByRole("button", { name: "Delete billing" }).click();
    await billing.getByRole("button", { name: "Delete", exact: true }).click();
    await hasText(page.locator("#roles-message"), "The role billing is deleted.");
    expect((await permissionsOfUser(ctx(), ada!.id)).roles).toEqual([]);
  });
});
