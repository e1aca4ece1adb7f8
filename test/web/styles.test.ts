/**
 * The stylesheet knows no left or right (issue 24 item 3): it is written with logical
 * properties (margin-inline-start, padding-inline, inset-inline-start, text-align: start,
 * border-start-start-radius...), so a right-to-left language (`dir="rtl"` on `<html>`) needs no
 * change of layout. `physicalDirections` finds what would assume left-to-right; the e2e test
 * test/e2e/rtl.test.ts checks the result in Chromium.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../e2e/helpers.js";

/** Shorthands whose four values are top, right, bottom, left: the 2nd and 4th must agree. */
const BOX_SHORTHANDS = new Set([
  "margin",
  "padding",
  "inset",
  "border-width",
  "border-style",
  "border-color",
  "scroll-margin",
  "scroll-padding",
]);
/** Properties whose `left`/`right` values have a logical twin (`start`/`end`, `inline-start`...). */
const KEYWORD_PROPERTIES = new Set([
  "float",
  "clear",
  "text-align",
  "text-align-last",
  "caption-side",
  "resize",
]);

/** The top-level values of a declaration, split on spaces (not inside parentheses). */
function valuesOf(value: string): string[] {
  const values: string[] = [];
  let depth = 0;
  let currentValue = "";
  for (const char of value) {
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (/\s/.test(char) && depth === 0) {
      if (currentValue !== "") values.push(currentValue);
      currentValue = "";
    } else {
      currentValue += char;
    }
  }
  if (currentValue !== "") values.push(currentValue);
  return values;
}

/** Whether a translation's first (horizontal) length is other than zero. */
function movesSideways(value: string): boolean {
  for (const match of value.matchAll(/\btranslate(X|3d)?\(\s*([^,)\s]+)/gi)) {
    if (!/^-?0(\.0+)?[a-z%]*$/i.test(match[2]!)) return true;
  }
  return false;
}

/**
 * Each declaration of `css` that assumes a left-to-right page, as `line: declaration (why)`:
 * a physical property (`margin-left`, `left`, `border-top-right-radius`...), a `left`/`right`
 * keyword (`float: left`, `text-align: right`, `background-position: left top`), a box shorthand
 * whose right and left values differ (`padding: 0 0 0 1rem`), an uneven `border-radius`
 * shorthand (its corners are physical), or a sideways translation.
 */
function physicalDirections(css: string): string[] {
  // Comments and strings blanked (newlines kept, for the line numbers).
  const text = css
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, " "))
    .replace(/"[^"\n]*"|'[^'\n]*'/g, (string) => `"${" ".repeat(string.length - 2)}"`);
  const offenders: string[] = [];
  for (const match of text.matchAll(/([{;]\s*)([-a-zA-Z]+)\s*:\s*([^;{}]*)/g)) {
    const property = match[2]!.toLowerCase();
    const value = match[3]!.replace(/!important/i, "").trim();
    // A selector such as `a:hover {` is not a declaration: it is followed by `{`.
    const after = text.slice(match.index + match[0].length).trimStart();
    if (after.startsWith("{")) continue;
    const line = text.slice(0, match.index + match[1]!.length).split("\n").length;
    const declaration = `${property}: ${value}`;
    const flag = (why: string) => offenders.push(`${line}: ${declaration} (${why})`);
    if (property.startsWith("--")) continue;
    if (/(^|-)(left|right)($|-)/.test(property)) {
      flag("physical property");
    } else if (KEYWORD_PROPERTIES.has(property) && /\b(left|right)\b/.test(value)) {
      flag("left/right keyword");
    } else if (/(^|\s)(left|right)(\s|$)/i.test(value)) {
      flag("left/right keyword");
    } else if (BOX_SHORTHANDS.has(property)) {
      const values = valuesOf(value);
      if (values.length === 4 && values[1] !== values[3]) flag("uneven right and left");
    } else if (property === "border-radius") {
      const values = valuesOf(value.replace("/", " / ")).filter((v) => v !== "/");
      if (new Set(values).size > 1) flag("physical corners");
    } else if ((property === "transform" || property === "translate") && movesSideways(value)) {
      flag("sideways translation");
    } else if (property === "translate" && valuesOf(value).length > 0) {
      const first = valuesOf(value)[0]!;
      if (!/^-?0(\.0+)?[a-z%]*$/i.test(first)) flag("sideways translation");
    }
  }
  return offenders;
}

describe("physicalDirections", () => {
  it("finds every kind of left-to-right assumption", () => {
    const css = `
      a { margin-left: 1rem; }
      b { padding-right: 2px; border-left: 1px solid red; }
      c { left: 0; right: 0 !important; }
      d { border-top-left-radius: 3px; }
      e { float: left; clear: right; text-align: right; }
      f { background-position: right 1rem top; }
      g { padding: 0 0 0 1rem; }
      h { margin: 0.4rem 0 0 calc(1rem + 2px); }
      i { border-radius: 3px 0 0 3px; }
      j { transform: translateX(4px); }
      k { translate: 1rem 0; }
      l { inset: 0 auto 0 0; }
    `;
    expect(physicalDirections(css).map((each) => each.split(" (")[0])).toEqual([
      "2: margin-left: 1rem",
      "3: padding-right: 2px",
      "3: border-left: 1px solid red",
      "4: left: 0",
      "4: right: 0",
      "5: border-top-left-radius: 3px",
      "6: float: left",
      "6: clear: right",
      "6: text-align: right",
      "7: background-position: right 1rem top",
      "8: padding: 0 0 0 1rem",
      "9: margin: 0.4rem 0 0 calc(1rem + 2px)",
      "10: border-radius: 3px 0 0 3px",
      "11: transform: translateX(4px)",
      "12: translate: 1rem 0",
      "13: inset: 0 auto 0 0",
    ]);
  });

  it("accepts logical properties, symmetric shorthands, selectors and comments", () => {
    const css = `
      /* margin-left: 1rem is what we do not write */
      a:hover, nav a[aria-current="page"] { margin-inline-start: 1rem; padding-inline: 1rem 0; }
      b::before { content: "left"; margin: 0 auto; padding: 1rem 2rem 3rem; inset-inline-end: 0; }
      c { text-align: start; float: inline-end; border-start-end-radius: 4px; border-radius: 6px; }
      d { padding: 0.75rem 1rem 0.75rem 1rem; transform: translateY(2px); --left-gap: 1rem; }
      @media (max-width: 30rem) { e { text-align: center; } }
    `;
    expect(physicalDirections(css)).toEqual([]);
  });
});

describe("src/web/styles.css", () => {
  it("has no physical left or right: a right-to-left page needs no change of layout", () => {
    const css = readFileSync(join(PACKAGE_ROOT, "src", "web", "styles.css"), "utf8");
    expect(physicalDirections(css)).toEqual([]);
  });
});
