/**
 * A right-to-left page needs no change of layout (issue 24 item 3): the stylesheet uses logical
 * properties only (test/web/styles.test.ts), so `dir="rtl"` on `<html>` mirrors the pages. No
 * shipped language is right to left yet, so the test sets the attribute through the page after
 * it loaded, and checks the sign-in page and the account page both ways: the brand at the start
 * of the header (left half, then right half), the rest of the header at its end, and headings and
 * labels aligned to the start side. Screenshots of both go to test-results/e2e/.
 */
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  hasText,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  visible,
  WAIT_MS,
} from "./helpers.js";

const ADMIN = {
  name: "nadia",
  email: "nadia@example.org",
  password: "a long passphrase to mirror",
};

type Direction = "ltr" | "rtl";

/** Sets the page's direction as a right-to-left language would (`<html dir>`). */
async function setDirection(page: Page, direction: Direction): Promise<void> {
  await page.evaluate((dir) => {
    document.documentElement.dir = dir;
  }, direction);
  expect(await page.evaluate(() => getComputedStyle(document.body).direction)).toBe(direction);
}

/** Which half of `container` the middle of `element`'s box is in. */
async function halfOf(element: Locator, container: Locator): Promise<"left" | "right"> {
  const box = await element.boundingBox();
  const outer = await container.boundingBox();
  if (box === null || outer === null) throw new Error("not shown");
  return box.x + box.width / 2 < outer.x + outer.width / 2 ? "left" : "right";
}

/**
 * Where a block's text sits in its box: the gap between the text and the box's left edge and
 * right edge (content box, px), and the computed `text-align`.
 */
async function textPlacement(
  block: Locator,
): Promise<{ left: number; right: number; textAlign: string }> {
  return block.evaluate((element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const text = range.getBoundingClientRect();
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    const contentLeft =
      box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
    const contentRight =
      box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
    return {
      left: text.left - contentLeft,
      right: contentRight - text.right,
      textAlign: style.textAlign,
    };
  });
}

/** The block's text starts at its start side: the left in ltr, the right in rtl. */
async function startsAtStart(block: Locator, direction: Direction): Promise<void> {
  const placed = await textPlacement(block);
  // `start` (the initial value) or an explicit `left`/`right` that matches the direction.
  expect(["start", direction === "ltr" ? "left" : "right"]).toContain(placed.textAlign);
  const atStart = direction === "ltr" ? placed.left : placed.right;
  const atEnd = direction === "ltr" ? placed.right : placed.left;
  expect(Math.abs(atStart), `text against the ${direction} start side`).toBeLessThan(1.5);
  expect(atEnd, "the rest of the line at the end side").toBeGreaterThan(10);
}

/**
 * The start of the header holds the brand; `end` (the picker, the nav), when given, is at the
 * other side.
 */
async function headerFollows(page: Page, direction: Direction, end?: Locator): Promise<void> {
  const bar = page.locator(".site-header .bar").first();
  const start = direction === "ltr" ? "left" : "right";
  const other = direction === "ltr" ? "right" : "left";
  expect(await halfOf(page.locator(".site-header .brand"), bar)).toBe(start);
  if (end !== undefined) expect(await halfOf(end, bar)).toBe(other);
  // The brand's square keeps its gap on the text's side (margin-inline-end), not on the left.
  const gap = await page.locator(".site-header .brand").evaluate((brand) => {
    const square = getComputedStyle(brand, "::before");
    return { left: parseFloat(square.marginLeft), right: parseFloat(square.marginRight) };
  });
  expect(direction === "ltr" ? [gap.left, gap.right > 0] : [gap.right, gap.left > 0]).toEqual([
    0,
    true,
  ]);
}

describe.skipIf(skipBrowserTests())("right-to-left pages", () => {
  const e2e = useE2e({ users: [{ ...ADMIN, isAdmin: true }], tabs: ["person"] });
  const { person } = e2e.tabs;

  it("mirrors the sign-in page and the account page when <html dir> is rtl", async () => {
    const page = person.page;
    await page.goto("/");
    const form = page.locator("#credentials-step");
    await visible(form);
    const nameLabel = form.locator('label[for="name"]');
    const title = page.locator("#sign-in-title");
    for (const direction of ["ltr", "rtl"] as const) {
      await setDirection(page, direction);
      // The sign-in page's header holds the brand, and the language picker where it has one.
      const picker = page.locator("#locale-picker");
      await headerFollows(page, direction, (await picker.count()) > 0 ? picker : undefined);
      await startsAtStart(nameLabel, direction);
      await startsAtStart(title, direction);
      // The field spans the form; the label sits above its start edge.
      const label = await nameLabel.boundingBox();
      const field = await form.locator("#name").boundingBox();
      if (label === null || field === null) throw new Error("not shown");
      expect(Math.abs(label.x - field.x)).toBeLessThan(1.5);
      await screenshot(page, `${direction}-sign-in`);
    }

    await setDirection(page, "ltr");
    await signIn(page, ADMIN.name, ADMIN.password);
    await page.waitForURL("**/account", { timeout: WAIT_MS });
    await hasText(page.locator("#header-user"), ADMIN.name);
    const content = page.locator("#account-content");
    await visible(content);
    const heading = content.locator("h1");
    const passwordLabel = content.locator('label[for="old-password"]');
    await visible(passwordLabel);
    for (const direction of ["ltr", "rtl"] as const) {
      await setDirection(page, direction);
      await headerFollows(page, direction, page.locator("#locale-picker"));
      await headerFollows(page, direction, page.locator("#header-account"));
      await startsAtStart(heading, direction);
      await startsAtStart(passwordLabel, direction);
      // The language picker is the last thing at the end side, after the nav.
      const picker = await page.locator("#locale-picker").boundingBox();
      const nav = await page.locator("#header-account").boundingBox();
      if (picker === null || nav === null) throw new Error("not shown");
      if (direction === "ltr") expect(picker.x).toBeGreaterThan(nav.x + nav.width - 1);
      else expect(picker.x + picker.width).toBeLessThan(nav.x + 1);
      await screenshot(page, `${direction}-account`);
    }
    expect(e2e.watch.cspViolations).toEqual([]);
  });
});
