/**
 * Captures real authenticator responses from Chromium's CDP virtual authenticator into
 * test/vectors/webauthn/*.json (read by test/core/webauthn/chromium-vectors.test.ts).
 * Not part of `npm test`; run by hand to make the files again:
 *
 *   npx tsx scripts/capture-webauthn-vectors.ts
 *
 * Every run makes new keys, so the files change completely; the test only needs them to be
 * self-consistent. The page is served by playwright's request interception at
 * `https://tessera.test/` (a secure context, so WebAuthn is available; no network, no TLS).
 * Override the browser with TESSERA_CHROMIUM (default /usr/bin/chromium, Debian's package).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";

const CHROMIUM_PATH = process.env.TESSERA_CHROMIUM ?? "/usr/bin/chromium";
const OUT_DIR = fileURLToPath(new URL("../test/vectors/webauthn/", import.meta.url));
const ORIGIN = "https://tessera.test";
const RP_ID = "tessera.test";
const RP_NAME = "Tessera";
/** Fixed ceremony inputs (base64url), so the test can verify at a frozen challenge. */
const REGISTRATION_CHALLENGE = Buffer.from("tessera vector: registration challenge").toString(
  "base64url",
);
const AUTHENTICATION_CHALLENGE = Buffer.from("tessera vector: authentication challenge").toString(
  "base64url",
);
const USER_ID = Buffer.from("tessera-vector-user-0001").toString("base64url");
const USER_NAME = "vector@example.org";

/** `WebAuthn.addVirtualAuthenticator` options (CDP), one per captured scenario. */
interface Scenario {
  readonly file: string;
  readonly description: string;
  readonly attestation: "none" | "direct";
  readonly userVerification: "preferred" | "required" | "discouraged";
  readonly residentKey: "preferred" | "required" | "discouraged";
  readonly cdpOptions: Record<string, unknown>;
}

const SCENARIOS: readonly Scenario[] = [
  {
    file: "chromium-none-es256.json",
    description:
      "Platform authenticator (CTAP2, internal transport, resident key, user verification), " +
      "attestation 'none', ES256: registration then a discoverable-credential assertion.",
    attestation: "none",
    userVerification: "preferred",
    residentKey: "required",
    cdpOptions: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  },
  {
    file: "chromium-packed-es256.json",
    description:
      "Roaming authenticator (CTAP2, USB transport, no resident key, no user verification), " +
      "attestation 'direct' (Chromium answers 'packed' with an x5c chain of one self-signed " +
      "'Batch Certificate', valid from the capture for 20 years), ES256: registration then an " +
      "assertion for the registered credential id.",
    attestation: "direct",
    userVerification: "discouraged",
    residentKey: "discouraged",
    cdpOptions: {
      protocol: "ctap2",
      transport: "usb",
      hasResidentKey: false,
      hasUserVerification: false,
      automaticPresenceSimulation: true,
    },
  },
];

/** Runs in the page: one registration and one assertion, returned as their JSON forms. */
async function ceremonies(page: Page, scenario: Scenario) {
  const creationOptions = {
    rp: { id: RP_ID, name: RP_NAME },
    user: { id: USER_ID, name: USER_NAME, displayName: USER_NAME },
    challenge: REGISTRATION_CHALLENGE,
    pubKeyCredParams: [{ type: "public-key", alg: -7 }],
    timeout: 60_000,
    attestation: scenario.attestation,
    authenticatorSelection: {
      residentKey: scenario.residentKey,
      userVerification: scenario.userVerification,
    },
    excludeCredentials: [],
  };
  const registration = await page.evaluate(async (options) => {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options as never);
    const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
    return credential.toJSON();
  }, creationOptions);

  const requestOptions = {
    rpId: RP_ID,
    challenge: AUTHENTICATION_CHALLENGE,
    timeout: 60_000,
    userVerification: scenario.userVerification,
    allowCredentials:
      scenario.residentKey === "required"
        ? []
        : [{ type: "public-key", id: (registration as { id: string }).id }],
  };
  const authentication = await page.evaluate(async (options) => {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options as never);
    const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
    return credential.toJSON();
  }, requestOptions);

  return {
    registration: { options: creationOptions, response: registration },
    authentication: { options: requestOptions, response: authentication },
  };
}

async function main(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const chromiumVersion = browser.version();
    mkdirSync(OUT_DIR, { recursive: true });
    for (const scenario of SCENARIOS) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.route(`${ORIGIN}/**`, (route) =>
        route.fulfill({
          status: 200,
          contentType: "text/html",
          body: "<!doctype html><title>vector</title>",
        }),
      );
      await page.goto(`${ORIGIN}/`);
      const cdp = await context.newCDPSession(page);
      await cdp.send("WebAuthn.enable", { enableUI: false });
      await cdp.send("WebAuthn.addVirtualAuthenticator", {
        options: scenario.cdpOptions as never,
      });
      const captured = await ceremonies(page, scenario);
      const vector = {
        source:
          "Captured from Chromium's CDP virtual authenticator (WebAuthn.addVirtualAuthenticator) " +
          "by scripts/capture-webauthn-vectors.ts; responses are PublicKeyCredential.toJSON().",
        description: scenario.description,
        chromium: chromiumVersion,
        // The test freezes the clock here: the packed batch certificate has a validity period.
        capturedAt: new Date().toISOString(),
        cdp: { method: "WebAuthn.addVirtualAuthenticator", options: scenario.cdpOptions },
        origin: ORIGIN,
        rpId: RP_ID,
        ...captured,
      };
      writeFileSync(join(OUT_DIR, scenario.file), `${JSON.stringify(vector, null, 2)}\n`);
      console.log(`wrote ${scenario.file} (Chromium ${chromiumVersion})`);
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

await main();
