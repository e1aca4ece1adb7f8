/**
 * The offender finder of the pseudo-locale test (./untranslated.ts) on hand-made pages in
 * Chromium: it fails on an English word wherever a person reads it and passes on pseudo text,
 * and it skips exactly what is not the page's text.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pseudoMessage } from "../../src/core/i18n.js";
import { launchBrowser, skipBrowserTests } from "./helpers.js";
import { formatOffenders, untranslatedTexts } from "./untranslated.js";

/** A message as the pseudo-language renders it: `Sign in` → `⟦Šíĝñ íñ⟧`. */
const p = (english: string) => pseudoMessage(english);

/** The header every hand-made page has: the brand's name is not checked, in the page or the title. */
const BRAND = `<header class="site-header"><div class="bar"><a class="brand" href="/">Tessera</a></div></header>`;

describe.skipIf(skipBrowserTests())("untranslatedTexts", () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function offendersOf(body: string, title = p("Sign in")): Promise<string[]> {
    await page.setContent(
      `<!doctype html><html lang="en-XA"><head><title>${title} · Tessera</title></head><body>${BRAND}${body}</body></html>`,
    );
    return (await untranslatedTexts(page)).map(
      ({ path, where, text }) => `${path} [${where}] ${text}`,
    );
  }

  it("passes a page whose every text is pseudo text, digits and punctuation", async () => {
    const body = `
      <main id="main">
        <h1>${p("Sign in")}</h1>
        <p>${p("Signed in as")} <strong translate="no">alice</strong> · 3 / 4 (${p("codes")})</p>
        <p>⟦${p("Last used")} <time datetime="2026-11-28">28 Nov 2026</time>⟧</p>
        <p>⟦Ŕéáð ţĥé <a href="/docs">ðóçš</a> ƒíŕšţ⟧</p>
        <p>${p("Outer {x}").replace("{x}", p("inner"))}</p>
        <label for="n">${p("Name")}</label>
        <input id="n" placeholder="${p("alice or alice@example.org")}" aria-label="${p("Name")}" />
        <input type="submit" value="${p("Sign in")}" />
        <img alt="${p("QR code")}" src="data:," width="10" height="10" />
        <button title="${p("Remove")}">${p("Remove")}</button>
        <select><option>${p("English")}</option><option lang="de">Deutsch</option></select>
        <textarea>typed by the person</textarea>
        <p hidden>Not shown: hidden</p>
        <div style="display: none">Not shown: display none</div>
        <details><summary>${p("More")}</summary>Not shown: folded<p>Not shown: folded</p></details>
        <details open><summary>${p("More")}</summary>${p("Shown")}</details>
        <p lang="de">Auf Deutsch</p>
        <p translate="no">Ada Lovelace <span>ada@example.org</span></p>
        <script>const english = "words";</script>
        <style>.english { color: red; }</style>
      </main>`;
    expect(await offendersOf(body)).toEqual([]);
  });

  it("fails on an English word in a text, an attribute, a button's value, an option and the title", async () => {
    const body = `
      <main id="main">
        <h1>Sign in</h1>
        <p class="lead">${p("Signed in as")} alice</p>
        <p>⟦Ŕéáð ţĥé <a href="/docs">docs</a></p>
        <p>${p("Half")} and half</p>
        <details open><summary>${p("More")}</summary>Unfolded</details>
        <ul><li>${p("One")}</li><li>Two</li></ul>
        <input id="n" placeholder="name or email" aria-label="${p("Name")}" />
        <img alt="QR code" src="data:," width="10" height="10" />
        <button title="Remove it">${p("Remove")}</button>
        <button aria-label="Close">×</button>
        <input type="button" value="Go" />
        <select id="choice"><option>${p("English")}</option><option>Other</option></select>
        <div lang="en-xa">Same language, other case</div>
        <div translate="no"><span translate="yes">Translatable again</span></div>
        <textarea id="note" placeholder="Your note">${p("typed")} words</textarea>
      </main>`;
    expect(await offendersOf(body, "Sign in")).toEqual([
      "main#main > h1 [text] Sign in",
      `main#main > p.lead:nth-of-type(1) [text] ${p("Signed in as")} alice`,
      // A pair left open covers nothing.
      "main#main > p:nth-of-type(2) [text] ⟦Ŕéáð ţĥé",
      "main#main > p:nth-of-type(2) > a [text] docs",
      `main#main > p:nth-of-type(3) [text] ${p("Half")} and half`,
      "main#main > details [text] Unfolded",
      "main#main > ul > li:nth-of-type(2) [text] Two",
      "main#main > div:nth-of-type(1) [text] Same language, other case",
      "main#main > div:nth-of-type(2) > span [text] Translatable again",
      "input#n [placeholder] name or email",
      "main#main > img [alt] QR code",
      "main#main > button:nth-of-type(1) [title] Remove it",
      "main#main > button:nth-of-type(2) [aria-label] Close",
      "main#main > input:nth-of-type(2) [value] Go",
      "select#choice > option:nth-of-type(2) [option] Other",
      "textarea#note [placeholder] Your note",
      "title [title] Sign in · Tessera",
    ]);
  });

  it("pairs brackets across inline elements only, and wants every pair closed", async () => {
    const body = `
      <main id="main">
        <p id="split">⟦Šéñţ ţó <b>Bob</b>⟧</p>
        <p id="open">⟦Ñéṽéŕ çļóšéð</p>
        <div id="blocks"><div>⟦Óñé</div><div>closed⟧</div></div>
        <p id="buttons"><button>⟦Ŕéɱóṽé</button> <button>Remove⟧</button></p>
      </main>`;
    expect(await offendersOf(body)).toEqual([
      "p#open [text] ⟦Ñéṽéŕ çļóšéð",
      "div#blocks > div:nth-of-type(1) [text] ⟦Óñé",
      "div#blocks > div:nth-of-type(2) [text] closed⟧",
      "p#buttons > button:nth-of-type(1) [text] ⟦Ŕéɱóṽé",
      "p#buttons > button:nth-of-type(2) [text] Remove⟧",
    ]);
  });

  it("prints each offender with its CSS path", () => {
    expect(formatOffenders([{ path: "main#main > h1", where: "text", text: "Sign in" }])).toBe(
      'main#main > h1 [text] "Sign in"',
    );
  });
});
