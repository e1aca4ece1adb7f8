/**
 * Pages that load clean (issue 18, item 12): the sign-in page with sign-up off makes no failing
 * request (it used to probe `GET /signup`, a 404 and a red console error on every load), and
 * `/docs` (Swagger UI) loads without a Content-Security-Policy violation.
 */
import type { ConsoleMessage, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { hidden, screenshot, skipBrowserTests, useE2e, visible } from "./helpers.js";

/**
 * Console errors and warnings of `page` from now on (a failed load named by its URL), and the
 * answers of 400 or more.
 */
function watchConsole(page: Page): { problems: string[] } {
  const seen = { problems: [] as string[] };
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error" || message.type() === "warning") {
      seen.problems.push(`${message.type()}: ${message.text()} (${message.location().url})`);
    }
  });
  page.on("pageerror", (error) => seen.problems.push(`pageerror: ${error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 400) seen.problems.push(`${response.status()} ${response.url()}`);
  });
  return seen;
}

describe.skipIf(skipBrowserTests())("pages without console errors", () => {
  const e2e = useE2e({ tabs: ["visitor"] });
  const { visitor } = e2e.tabs;

  it("loads the sign-in page with sign-up off without a failing request or console error", async () => {
    const page = visitor.page;
    const seen = watchConsole(page);
    await page.goto("/");
    await visible(page.getByRole("heading", { name: "Sign in" }));
    // Everything the page asks for at load has answered.
    await page.waitForLoadState("networkidle");
    await hidden(page.locator("#signup-link"));
    // The page asks GET /me whether someone is signed in already; its 401 for a visitor is the
    // API's answer (kept as it is), not a fault of the page.
    const signedOutAnswer = (problem: string) =>
      /^401 http:\/\/[^/]+\/me$/.test(problem) ||
      /^error: Failed to load resource: .*401 .*\(http:\/\/[^/]+\/me\)$/.test(problem);
    expect(seen.problems.filter((problem) => !signedOutAnswer(problem))).toEqual([]);
  });

  it("loads /docs without a Content-Security-Policy violation", async () => {
    const page = visitor.page;
    const seen = watchConsole(page);
    await page.goto("/docs");
    await visible(page.locator(".swagger-ui .info .title"));
    await page.waitForLoadState("networkidle");
    // An operation opened, with its schemas, draws more of the UI.
    await page.locator(".opblock-summary", { hasText: "/healthz" }).first().click();
    await visible(page.locator(".opblock.is-open .responses-wrapper"));
    await page.waitForLoadState("networkidle");
    await screenshot(page, "docs");
    expect(seen.problems.filter((p) => /Content.Security.Policy/i.test(p))).toEqual([]);
    expect(e2e.watch.cspViolations).toEqual([]);
  });
});
