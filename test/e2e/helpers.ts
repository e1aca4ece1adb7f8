/**
 * The end-to-end harness: the real server (buildApp over a fresh SQLite database, frozen clock)
 * listening on a port chosen beforehand, so that its public URL is `http://localhost:PORT`
 * (a secure context, as WebAuthn needs, and the relying party ID `localhost`), and Debian's
 * Chromium driven by playwright-core.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import {
  chromium,
  type Browser,
  type BrowserContext,
  type CDPSession,
  type Locator,
  type Page,
} from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { frozenClock, type FrozenClock } from "../../src/core/clock.js";
import { loadConfig, type TesseraConfig } from "../../src/config/index.js";
import { buildApp, type BuildAppOptions } from "../../src/http/app.js";
import { createTessera } from "../../src/runtime.js";
import { pageRoutes } from "../../src/http/routes/pages.js";
import { createUser } from "../../src/services/account/users.js";
import { openTestDatabase, type TestDatabase } from "../helpers/database.js";
import { TEST_ARGON2_ENV } from "../helpers/server.js";
import {
  createDiscardMailTransport,
  startTestSmtpServer,
  type TestSmtpServer,
} from "../helpers/smtp.js";

/** The package root. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Debian's Chromium (`apt-get install chromium`); override with TESSERA_CHROMIUM. */
export const CHROMIUM_PATH = process.env.TESSERA_CHROMIUM ?? "/usr/bin/chromium";
/** Offline, quiet, container-friendly Chromium. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Where screenshots of every visited page go (not committed). */
export const RESULTS_DIR = join(PACKAGE_ROOT, "test-results", "e2e");
/** Where the README's screenshots go, when TESSERA_UPDATE_SCREENSHOTS=1. */
export const DOCS_SCREENSHOTS_DIR = join(PACKAGE_ROOT, "docs", "screenshots");
/** Whether this run should rewrite docs/screenshots/*.png. */
export const UPDATE_DOC_SCREENSHOTS = process.env.TESSERA_UPDATE_SCREENSHOTS === "1";

const inCi = /^(1|true|yes)$/i.test(process.env.CI ?? "");

/**
 * Why the browser tests cannot run here, or null when they can. In CI (`CI=true`) a missing
 * browser is not a reason to skip: the tests run and fail.
 */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  const reason = `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set TESSERA_CHROMIUM)`;
  if (inCi) return null;
  return reason;
}

/**
 * Whether this file's browser tests are skipped (`describe.skipIf`); when they are, says why on
 * the console, so that a skipped run is not mistaken for a passed one.
 */
export function skipBrowserTests(): boolean {
  const reason = browserSkipReason();
  if (reason !== null) console.warn(`[tessera e2e] browser tests skipped: ${reason}`);
  return reason !== null;
}

/** Launches Chromium headless with a fresh temporary profile (playwright makes one per launch). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: the browser tests cannot run`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
}

/** A port free right now on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = probe.address();
      if (address === null || typeof address === "string") return reject(new Error("no port"));
      probe.close(() => resolve(address.port));
    });
  });
}

/** Runs the real page build (`scripts/build-web.mjs`, as `npm run build` does) into dist/web. */
export function buildPages(): void {
  execFileSync(process.execPath, [join(PACKAGE_ROOT, "scripts", "build-web.mjs")], {
    cwd: PACKAGE_ROOT,
    stdio: "pipe",
  });
}

export interface E2eServer {
  app: FastifyInstance;
  config: TesseraConfig;
  clock: FrozenClock;
  /** `http://localhost:PORT`: the origin the server believes it has. */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the server on a port chosen beforehand, with the pages. `env` adds variables (e.g.
 * `TESSERA_SMTP_URL` of a test SMTP server); without an SMTP server, mail is dropped. `app`
 * adds options of `buildApp` (e.g. `pseudoLocale`).
 */
export async function startE2eServer(
  env: Record<string, string> = {},
  app: BuildAppOptions = {},
): Promise<E2eServer> {
  const database: TestDatabase = await openTestDatabase("sqlite");
  // The port must be known before the config is made, for the public URL and the RP ID.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    const baseUrl = `http://localhost:${port}`;
    const config = loadConfig({
      NODE_ENV: "test",
      TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"),
      TESSERA_PUBLIC_URL: baseUrl,
      TESSERA_PORT: String(port),
      TESSERA_DATA_DIR: "/nonexistent-tessera-test-dir",
      ...TEST_ARGON2_ENV,
      ...env,
    });
    const clock = frozenClock(Date.UTC(2026, 10, 28, 12, 0, 0));
    const tessera = await createTessera(config, {
      database,
      clock,
      mailPollIntervalMs: 100,
      ...(env.TESSERA_SMTP_URL === undefined
        ? { mailTransport: createDiscardMailTransport() }
        : {}),
    });
    const server = await buildApp(tessera, { logger: false, closeTessera: true, ...app });
    // The server registers the pages itself; an app built without them gets them here.
    if (!server.hasRoute({ method: "GET", url: "/" })) await server.register(pageRoutes);
    try {
      // Both loopback addresses: Chromium may try ::1 or 127.0.0.1 for "localhost".
      await server.listen({ host: "localhost", port });
    } catch (error) {
      // Someone took the port between the probe and now: try another.
      lastError = error;
      await server.close();
      continue;
    }
    return {
      app: server,
      config,
      clock,
      baseUrl,
      async close() {
        await server.close();
        await database.cleanup();
      },
    };
  }
  await database.cleanup();
  throw new Error(`could not start the e2e server: ${String(lastError)}`);
}

/** Problems seen by a browser context: requests to other origins, CSP violations. */
export interface Watch {
  foreignRequests: string[];
  cspViolations: string[];
}

/** One person's browser: a context (its own cookies) and its page. */
export interface Tab {
  context: BrowserContext;
  page: Page;
}

/** A new browser context (its own cookies) on the server, watched for foreign requests. */
export async function newWatchedContext(
  browser: Browser,
  baseUrl: string,
  watch: Watch,
  viewport = { width: 1000, height: 800 },
): Promise<Tab> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport, locale: "en-GB" });
  context.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(`${baseUrl}/`) && !url.startsWith("data:")) watch.foreignRequests.push(url);
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) watch.cspViolations.push(message.text());
  });
  return { context, page };
}

/** An account made through the service, ready to sign in (no forced password change). */
export interface E2eUser {
  name: string;
  email: string;
  password: string;
  isAdmin?: boolean;
  /** Make the first sign-in choose a new password. Default false. */
  mustChangePassword?: boolean;
}

export interface E2eOptions<T extends string> {
  /** Variables for the server's config (see startE2eServer). */
  env?: Record<string, string>;
  /** Options of `buildApp` (see startE2eServer), e.g. `{ pseudoLocale: true }`. */
  app?: BuildAppOptions;
  /** Runs a test SMTP server in the test process and sends the server's mail to it. */
  smtp?: boolean;
  users?: readonly E2eUser[];
  /** The names of the browsers to open, each with its own cookies. */
  tabs: readonly T[];
  /**
   * A new server (with its SMTP server, `users` and `tabs`) for each test instead of one for the
   * file, so that no test depends on what another did before it; the browser is shared, and
   * the tabs `newTab` opened are closed after each test.
   */
  serverPerTest?: boolean;
}

/** What a file's browser tests share; the fields are set by `beforeAll`. */
export interface E2e<T extends string> {
  server: E2eServer;
  /** The test SMTP server; only with `smtp: true`. */
  smtp: TestSmtpServer;
  browser: Browser;
  watch: Watch;
  /**
   * The browsers by name. Each object exists at once and is filled in by `beforeAll`, so a
   * `describe` body may destructure them (`const { admin } = e2e.tabs`) for its tests to use.
   */
  tabs: Record<T, Tab>;
  /** One more watched browser on the server (e.g. a phone's viewport); the test closes it. */
  newTab(viewport?: { width: number; height: number }): Promise<Tab>;
  /** Creates an account on the server through the service (no browser); its id. */
  addUser(user: E2eUser): Promise<{ id: string }>;
}

/**
 * The setup every browser test file shares, registered as hooks of the calling `describe`: the
 * page build, Chromium, the server (with `env`, and the test SMTP server with `smtp`), the
 * `users` and one watched context per name in `tabs`, once for the file or, with
 * `serverPerTest`, afresh for each test; after a failed test, a screenshot and the visible
 * messages of each open page, to tell why; at the end, everything closed.
 */
export function useE2e<T extends string>(options: E2eOptions<T>): E2e<T> {
  const tabs = Object.fromEntries(options.tabs.map((name) => [name, {}])) as Record<T, Tab>;
  const perTest = options.serverPerTest === true;
  /** The tabs `newTab` opened during the current test (tracked with `serverPerTest` only). */
  const extraTabs: Tab[] = [];
  // server, smtp and browser are set by the before hooks.
  const e2e = {
    watch: { foreignRequests: [], cspViolations: [] },
    tabs,
    async newTab(viewport) {
      const tab = await newWatchedContext(e2e.browser, e2e.server.baseUrl, e2e.watch, viewport);
      if (perTest) extraTabs.push(tab);
      return tab;
    },
    addUser: (user) =>
      createUser(e2e.server.app.tessera, null, {
        ...user,
        isAdmin: user.isAdmin ?? false,
        mustChangePassword: user.mustChangePassword ?? false,
      }),
  } as Partial<E2e<T>> as E2e<T>;
  let smtp: TestSmtpServer | undefined;
  let server: E2eServer | undefined;
  let browser: Browser | undefined;

  async function open(): Promise<void> {
    if (options.smtp === true) e2e.smtp = smtp = await startTestSmtpServer();
    e2e.server = server = await startE2eServer(
      {
        ...options.env,
        ...(smtp === undefined ? {} : { TESSERA_SMTP_URL: smtp.url }),
      },
      options.app,
    );
    for (const user of options.users ?? []) await e2e.addUser(user);
    for (const name of options.tabs) {
      Object.assign(tabs[name], await newWatchedContext(browser!, server.baseUrl, e2e.watch));
    }
  }

  async function close(): Promise<void> {
    if (perTest) {
      const opened: Partial<Tab>[] = [...options.tabs.map((name) => tabs[name]), ...extraTabs];
      extraTabs.length = 0;
      for (const { context } of opened) await context?.close().catch(() => undefined);
    }
    await server?.close();
    await smtp?.close();
    server = smtp = undefined;
  }

  beforeAll(async () => {
    buildPages();
    e2e.browser = browser = await launchBrowser();
    if (!perTest) await open();
  });

  if (perTest) {
    beforeEach(async () => {
      e2e.watch.foreignRequests.length = 0;
      e2e.watch.cspViolations.length = 0;
      await open();
    });
  }

  afterEach(async (context) => {
    if (context.task.result?.state === "fail") {
      const file = basename(context.task.file.name, ".test.ts");
      for (const name of options.tabs) {
        const { page } = tabs[name] as Partial<Tab>;
        if (page === undefined || page.isClosed()) continue;
        await screenshot(page, `FAILED-${file}-${name}`).catch(() => undefined);
        const messages = await page
          .locator(".message:not(:empty)")
          .allTextContents()
          .catch(() => []);
        console.error(`[tessera e2e] ${name} at ${page.url()}: ${messages.join(" | ")}`);
      }
    }
    if (perTest) await close();
  });

  afterAll(async () => {
    await browser?.close();
    await close();
  });

  return e2e;
}

/** Fills the sign-in page's first step (the page is on it) and submits it. */
export async function submitCredentials(page: Page, name: string, password: string): Promise<void> {
  const step = page.locator("#credentials-step");
  await step.getByLabel("Name or email", { exact: true }).fill(name);
  await step.getByLabel("Password", { exact: true }).fill(password);
  await step.getByRole("button", { name: "Sign in", exact: true }).click();
}

/**
 * Opens the sign-in page (with `next`, the page to go to afterwards) and submits the name and
 * password; what comes next (the account page, a second factor, a message) is the caller's.
 */
export async function signIn(
  page: Page,
  name: string,
  password: string,
  next?: string,
): Promise<void> {
  await page.goto(next === undefined ? "/" : `/?next=${encodeURIComponent(next)}`);
  await submitCredentials(page, name, password);
}

/**
 * Gives the page a virtual passkey authenticator (CDP WebAuthn: resident keys, user verified),
 * as a laptop's built-in one; detach the session to remove it.
 */
export async function addVirtualAuthenticator(page: Page): Promise<CDPSession> {
  return (await addControlledAuthenticator(page)).cdp;
}

/** A virtual authenticator whose person can be told to stop and start answering. */
export interface ControlledAuthenticator {
  cdp: CDPSession;
  /**
   * With `false` the authenticator waits for a touch that never comes, so a request stays
   * pending; with `true` (the default) it answers at once. Chromium's virtual authenticator
   * also answers a conditional (autofill) request at once when it holds a passkey for the site,
   * as if the person had chosen it.
   */
  setPresence(present: boolean): Promise<void>;
}

/** `addVirtualAuthenticator` with control over the person's presence (CDP WebAuthn). */
export async function addControlledAuthenticator(page: Page): Promise<ControlledAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
  return {
    cdp,
    async setPresence(present) {
      await cdp.send("WebAuthn.setAutomaticPresenceSimulation", {
        authenticatorId,
        enabled: present,
      });
    },
  };
}

/**
 * Makes `page` note, on every load, whether a conditional (autofill) WebAuthn request is
 * pending, for `waitForConditionalRequest`. Call once, before the page loads the sign-in page.
 */
export async function watchConditionalRequests(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const state = window as unknown as { __conditionalPending?: boolean };
    const original = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options?: CredentialRequestOptions) => {
      const conditional = options?.mediation === "conditional";
      if (conditional) state.__conditionalPending = true;
      const result = original(options);
      const settle = (): void => {
        if (conditional) state.__conditionalPending = false;
      };
      result.then(settle, settle);
      return result;
    };
  });
}

/**
 * Waits until the sign-in page's passkey autofill request is pending, so that a person who
 * comes back (`setPresence(true)`) does not race the page starting it (the virtual
 * authenticator would answer a request started after that at once).
 */
export async function waitForConditionalRequest(page: Page): Promise<void> {
  await page.waitForFunction(
    () => (window as unknown as { __conditionalPending?: boolean }).__conditionalPending === true,
  );
}

/** Width of the README screenshots: a large phone. */
export const DOC_SCREENSHOT_WIDTH_PX = 420;

/**
 * With TESSERA_UPDATE_SCREENSHOTS=1, saves the page as docs/screenshots/<name>.png at a
 * phone-like width (full page), then restores the viewport; otherwise does nothing.
 */
export async function docScreenshot(page: Page, name: string): Promise<void> {
  if (!UPDATE_DOC_SCREENSHOTS) return;
  mkdirSync(DOCS_SCREENSHOTS_DIR, { recursive: true });
  const previous = page.viewportSize();
  await page.setViewportSize({ width: DOC_SCREENSHOT_WIDTH_PX, height: 760 });
  await page.screenshot({ path: join(DOCS_SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
  if (previous !== null) await page.setViewportSize(previous);
}

/** Empties test-results/e2e/ so a run's screenshots are its own. */
export function clearResults(): void {
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  mkdirSync(RESULTS_DIR, { recursive: true });
}

let shot = 0;
/** Saves a screenshot of the page under test-results/e2e/ (full page). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  shot += 1;
  await page.screenshot({
    path: join(RESULTS_DIR, `${String(shot).padStart(2, "0")}-${name}.png`),
    fullPage: true,
  });
}

/** How long a page may take to show what a test waits for. */
export const WAIT_MS = 10_000;

/** Waits until the element is visible. */
export async function visible(locator: Locator): Promise<void> {
  await locator.waitFor({ state: "visible", timeout: WAIT_MS });
}

/** Waits until the element is hidden or gone. */
export async function hidden(locator: Locator): Promise<void> {
  await locator.waitFor({ state: "hidden", timeout: WAIT_MS });
}

/** Waits until the element's text (trimmed) is `expected`, or matches it. */
export async function hasText(locator: Locator, expected: string | RegExp): Promise<void> {
  const poll = expect.poll(async () => ((await locator.textContent()) ?? "").trim(), {
    timeout: WAIT_MS,
  });
  if (typeof expected === "string") await poll.toBe(expected);
  else await poll.toMatch(expected);
}

/** Waits until the element's text contains `expected`. */
export async function containsText(locator: Locator, expected: string): Promise<void> {
  await expect
    .poll(async () => (await locator.textContent()) ?? "", { timeout: WAIT_MS })
    .toContain(expected);
}

/** Waits until the locator matches `count` elements. */
export async function hasCount(locator: Locator, count: number): Promise<void> {
  await expect.poll(() => locator.count(), { timeout: WAIT_MS }).toBe(count);
}
