/**
 * Applications in a real browser (issue 21 items 4 and 6): an admin registers an app on the
 * admin page, sees and copies its secret once, gives it a new one, is told which field a bad
 * registration got wrong, and removes it (confirming it is them, long after signing in); a
 * person sees the apps with access to their account on the account page and revokes one. No
 * page breaks the CSP or loads anything from elsewhere.
 */
import { describe, expect, it } from "vitest";
import { MINUTE_MS } from "../../src/core/clock.js";
import { secretDigestBase64Url } from "../../src/core/secret-digest.js";
import { addOidcClient } from "../../src/services/oidc/clients.js";
import {
  addOidcConsentScopes,
  findOidcClient,
  getUserByNameOrMail,
  listOidcConsents,
} from "../../src/store/index.js";
import {
  containsText,
  hasCount,
  hasText,
  hidden,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  visible,
} from "./helpers.js";

const ADMIN = { name: "root", email: "root@example.org", password: "the operator's passphrase" };
const ADA = { name: "ada", email: "ada@example.org", password: "ada's long passphrase" };
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

describe.skipIf(skipBrowserTests())("applications in a browser", () => {
  const e2e = useE2e({
    users: [{ ...ADMIN, isAdmin: true }, ADA],
    tabs: ["admin", "ada"],
  });
  const { admin, ada } = e2e.tabs;
  const ctx = () => e2e.server.app.tessera;

  it("registers an app on the admin page, shows its secret once, renews and removes it", async () => {
    const { page } = admin;
    await signIn(page, ADMIN.name, ADMIN.password);
    await page.waitForURL("**/account");
    await page.goto("/admin");
    const section = page.locator("#apps-card");
    await visible(section.getByRole("heading", { name: /^Applications/ }));
    await visible(page.locator("#app-empty"));

    // A bad redirect URI: the server says why, the field is marked.
    const form = page.locator("#app-form");
    await form.getByLabel("Name").fill("Wiki");
    const uris = form.getByLabel("Redirect URIs");
    await uris.fill("http://wiki.example/callback");
    await form.getByRole("button", { name: "Register application" }).click();
    await hasText(page.locator("#app-form-message"), /must use https/);
    expect(await uris.getAttribute("aria-invalid")).toBe("true");

    await uris.fill("https://wiki.example/callback\n\nhttp://localhost:3000/callback\n");
    await form.getByLabel("First party (no consent page)").check();
    await form.getByRole("button", { name: "Register application" }).click();
    await hasText(page.locator("#apps-message"), "Registered “Wiki”.");
    await visible(page.getByRole("heading", { name: "Copy the secret now" }));
    const secret = ((await page.locator("#app-secret-value").textContent()) ?? "").trim();
    const clientId = ((await page.locator("#app-secret-client-id").textContent()) ?? "").trim();
    expect(secret).toMatch(SECRET_SHAPE);
    const stored = await findOidcClient(ctx().db, clientId);
    expect(stored).toMatchObject({ name: "Wiki", firstParty: true });
    expect(stored?.secretHash).toBe(secretDigestBase64Url(secret));
    expect(stored?.metadata.redirect_uris).toEqual([
      "https://wiki.example/callback",
      "http://localhost:3000/callback",
    ]);
    await screenshot(page, "admin-application-secret");

    await admin.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: e2e.server.baseUrl,
    });
    await page.getByRole("button", { name: "Copy the secret" }).click();
    await hasText(page.locator("#apps-message"), "The secret is copied.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await page.getByRole("button", { name: "Done" }).click();
    await hidden(page.locator("#app-secret"));
    expect(await page.locator("#app-secret-value").textContent()).toBe("");

    const item = page.locator("#app-list li", { hasText: "Wiki" });
    await hasCount(page.locator("#app-list li"), 1);
    await containsText(item, "Confidential");
    await containsText(item, "First party");
    await containsText(item, clientId);
    await hasText(page.locator("#app-count"), "1");

    // A new secret: the old one stops working, the new one is shown once.
    await item.getByRole("button", { name: "New secret Wiki" }).click();
    await item.getByRole("button", { name: "Make a new secret" }).click();
    await visible(page.getByRole("heading", { name: "Copy the secret now" }));
    const renewed = ((await page.locator("#app-secret-value").textContent()) ?? "").trim();
    expect(renewed).toMatch(SECRET_SHAPE);
    expect(renewed).not.toBe(secret);
    expect((await findOidcClient(ctx().db, clientId))?.secretHash).toBe(
      secretDigestBase64Url(renewed),
    );
    await page.getByRole("button", { name: "Done" }).click();

    // Long after the sign-in: removing asks "Confirm it is you" first, then carries on.
    e2e.server.clock.advance(11 * MINUTE_MS);
    await item.getByRole("button", { name: "Remove Wiki" }).click();
    await item.getByRole("button", { name: "Remove", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it is you" });
    await visible(dialog);
    await dialog.getByLabel("Your password").fill(ADMIN.password);
    await dialog.getByRole("button", { name: "Confirm with password" }).click();
    await hidden(dialog);
    await hasText(page.locator("#apps-message"), "“Wiki” is removed.");
    await hasCount(page.locator("#app-list li"), 0);
    await visible(page.locator("#app-empty"));
    expect(await findOidcClient(ctx().db, clientId)).toBeUndefined();
    // The Activity shows what happened.
    await containsText(page.locator("#activity-list"), "Application removed");
    expect(e2e.watch.cspViolations).toEqual([]);
    expect(e2e.watch.foreignRequests).toEqual([]);
  });

  it("lists the apps with access on the account page and revokes one", async () => {
    const { page } = ada;
    const user = (await getUserByNameOrMail(ctx().db, ADA.name))!;
    const notes = await addOidcClient(ctx(), {
      name: "Notes",
      redirectUris: ["https://notes.example/callback"],
    });
    await addOidcConsentScopes(
      ctx().db,
      user.id,
      notes.clientId,
      ["openid", "email"],
      e2e.server.clock(),
    );

    await signIn(page, ADA.name, ADA.password);
    await page.waitForURL("**/account");
    const section = page.locator("#apps-card");
    await visible(section.getByRole("heading", { name: "Apps with access" }));
    const item = page.locator("#app-list li", { hasText: "Notes" });
    await containsText(item, "Can know who you are and see your email address.");
    await screenshot(page, "account-apps-with-access");

    // Cancel first: nothing happens.
    await item.getByRole("button", { name: "Revoke Notes" }).click();
    await item.getByRole("button", { name: "Cancel" }).click();
    await visible(item.getByRole("button", { name: "Revoke Notes" }));

    await item.getByRole("button", { name: "Revoke Notes" }).click();
    await item.getByRole("button", { name: "Revoke access" }).click();
    await hasText(page.locator("#apps-message"), "“Notes” no longer has access to your account.");
    await hasCount(page.locator("#app-list li"), 0);
    await visible(page.getByText("No app has access to your account."));
    expect(await listOidcConsents(ctx().db, user.id)).toEqual([]);
    expect(e2e.watch.cspViolations).toEqual([]);
    expect(e2e.watch.foreignRequests).toEqual([]);
  });
});
