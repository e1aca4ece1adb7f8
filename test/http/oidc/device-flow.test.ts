/**
 * The device authorization grant (RFC 8628) with a command-line client (issue 21 item 9):
 * test/python/device_cli.py, a CLI on requests and PyJWT under /usr/bin/python3, registered with
 * `tessera clients add --public --grant device_code`. The CLI asks for a code, tells the person
 * where to go, and polls the token endpoint; the person, signed in to Tessera in a browser (a
 * cookie jar here that submits the provider's forms as a browser would), enters the code on
 * `/oidc/device`, checks the application named on the confirmation page, approves, consents on
 * Tessera's consent page, and the CLI gets its tokens. Tessera's provider (oidc-provider)
 * names no `interval` and never answers `slow_down`; a stand-in server checks that the CLI
 * honours both.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestClient } from "../../helpers/server.js";
import {
  follow,
  startOidcTestServer,
  submitForm,
  type OidcTestServer,
} from "../../helpers/oidc.js";
import { PYTHON, pythonModules, startLineProcess, type LineProcess } from "../../helpers/python.js";

const CLI_SCRIPT = fileURLToPath(new URL("../../python/device_cli.py", import.meta.url));
const FORM = { "content-type": "application/x-www-form-urlencoded" };

const python = pythonModules(["requests", "jwt", "cryptography"], "python3-requests python3-jwt");
const inCi = process.env.CI === "true";
if (!python.available && !inCi) console.warn(`Skipping the device-flow CLI test: ${python.reason}`);

/** A page's text without its tags (the assertions read words, not markup). */
function words(page: string): string {
  return page.replace(/<[^>]+>/g, "").replace(/\s+/g, " ");
}

/** Posts a page's form as the browser would; the answer. */
async function post(browser: TestClient, issuer: string, form: { action: string; body: string }) {
  const action = new URL(form.action, issuer);
  expect(action.origin).toBe(issuer);
  return browser.request("POST", action.pathname + action.search, {
    body: form.body,
    headers: FORM,
  });
}

describe.skipIf(!python.available && !inCi)("Debian's Python packages", () => {
  it("has requests and PyJWT under /usr/bin/python3", () => {
    expect(python.available, python.reason).toBe(true);
  });
});

describe.skipIf(!python.available && !inCi)("OpenID Connect: the device flow from a CLI", () => {
  let server: OidcTestServer;
  let cli: LineProcess | undefined;
  beforeEach(async () => {
    server = await startOidcTestServer("sqlite");
  });
  afterEach(async () => {
    cli?.kill();
    await server.close();
  });

  it("signs a CLI in: the person enters its code, approves it and consents; the CLI polls", async () => {
    const added = await server.cli(
      "clients",
      "add",
      "--name",
      "Deploy CLI",
      "--public",
      "--grant",
      "device_code",
      "--grant",
      "refresh_token",
      "--json",
    );
    expect(added, added.errors.join("\n")).toMatchObject({ code: 0 });
    const { client_id: clientId, ...rest } = JSON.parse(added.lines.join("")) as {
      client_id: string;
    };
    expect(rest).toEqual({}); // a public client: no secret
    const user = await server.createUser({ email: "lin@example.org" });

    cli = startLineProcess(PYTHON, [CLI_SCRIPT, server.issuer, clientId, "openid email"]);
    const told = await cli.nextLine();
    const shown = /^To sign in, open (\S+) and enter the code (\S+)$/.exec(told);
    expect(shown, `${told}\n${cli.stderr()}`).not.toBeNull();
    const [, verificationUri, userCode] = shown!;
    expect(verificationUri).toBe(`${server.issuer}/oidc/device`);
    expect(userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    // The provider names no interval: the CLI takes RFC 8628's 5 s.
    expect(await cli.nextLine()).toBe("polling every 5 s");
    // Nobody approved yet: the first poll is told to wait.
    expect(await cli.nextLine()).toBe("poll: authorization_pending");

    // The person, signed in to Tessera in their browser, opens the address and types the code.
    const browser = server.browser();
    await browser.login(user.name, user.password);
    const entry = await browser.request("GET", new URL(verificationUri!).pathname);
    expect(entry.status).toBe(200);
    expect(words(entry.text)).toContain("Enter the code your device shows.");
    const confirm = await post(
      browser,
      server.issuer,
      submitForm(entry.text, "op.deviceInputForm", { "user-code": userCode!.toLowerCase() }),
    );
    expect(confirm.status, confirm.text).toBe(200);
    // The confirmation names the application and the code (RFC 8628 §5.4).
    expect(words(confirm.text)).toContain("Deploy CLI asks to sign in as you on a device.");
    expect(words(confirm.text)).toContain(`It should show this code: ${userCode}`);

    const approved = await post(
      browser,
      server.issuer,
      submitForm(confirm.text, "op.deviceConfirmForm"),
    );
    expect(approved.status).toBe(303);
    // Signed in already: Tessera asks only for consent (a third-party client).
    const toConsent = await follow(
      browser,
      server.issuer,
      new URL(approved.headers.get("location")!, server.issuer).href,
    );
    const consentPage = new URL(toConsent.final);
    expect(consentPage.pathname).toBe("/consent");
    const uid = consentPage.searchParams.get("interaction")!;
    const details = await browser.request("GET", `/oidc/interaction/${uid}/details`);
    expect(details.body).toMatchObject({ client: { client_id: clientId, name: "Deploy CLI" } });
    const consent = await browser.request("POST", `/oidc/interaction/${uid}/consent`, {
      json: { approve: true },
    });
    expect(consent.status).toBe(200);
    const done = await follow(browser, server.issuer, consent.body.redirect_to as string);
    expect(done.status).toBe(200);
    expect(words(done.text)).toContain("Deploy CLI is signed in.");

    // The CLI's next poll gets the tokens (after pending ones, if it polled meanwhile).
    let line = await cli.nextLine();
    while (line === "poll: authorization_pending") line = await cli.nextLine();
    expect(line, cli.stderr()).toBe("poll: tokens");
    const result = JSON.parse(await cli.nextLine()) as {
      tokens: Record<string, unknown>;
      id_token_claims: Record<string, unknown>;
    };
    expect(await cli.exited).toBe(0);
    expect(result.tokens).toMatchObject({ token_type: "Bearer", scope: "openid email" });
    expect(result.tokens.refresh_token).toBeTypeOf("string");
    expect(result.id_token_claims).toMatchObject({
      iss: server.issuer,
      aud: clientId,
      sub: user.id,
      email: "lin@example.org",
    });

    // The access token reads userinfo as the person who approved.
    const info = await fetch(`${server.issuer}/oidc/userinfo`, {
      headers: { authorization: `Bearer ${result.tokens.access_token as string}` },
    });
    expect(await info.json()).toMatchObject({ sub: user.id, email: "lin@example.org" });

    // The code is spent: typing it again is refused on the page.
    const again = await browser.request("GET", "/oidc/device");
    const retry = await post(
      browser,
      server.issuer,
      submitForm(again.text, "op.deviceInputForm", { "user-code": userCode! }),
    );
    expect(words(retry.text)).toContain("That code is wrong or has expired.");
  });
});

describe.skipIf(!python.available && !inCi)("the device-flow CLI's polling", () => {
  let fake: Server;
  let issuer: string;
  let cli: LineProcess | undefined;
  const polls: URLSearchParams[] = [];
  beforeEach(async () => {
    // A stand-in authorization server: an interval of 1 s, then slow_down on every poll.
    fake = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        const send = (status: number, json: unknown) => {
          response.writeHead(status, { "content-type": "application/json" });
          response.end(JSON.stringify(json));
        };
        if (request.url === "/.well-known/openid-configuration") {
          return send(200, {
            issuer,
            device_authorization_endpoint: `${issuer}/device`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
          });
        }
        if (request.url === "/device") {
          return send(200, {
            device_code: "the-device-code",
            user_code: "BCDF-GHJK",
            verification_uri: `${issuer}/activate`,
            expires_in: 600,
            interval: 1,
          });
        }
        polls.push(new URLSearchParams(body));
        return send(400, { error: "slow_down" });
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    issuer = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    cli?.kill();
    await new Promise((resolve) => fake.close(resolve));
  });

  it("polls at the server's interval and 5 s slower after each slow_down", async () => {
    cli = startLineProcess(PYTHON, [CLI_SCRIPT, issuer, "cli-client", "openid"]);
    expect(await cli.nextLine()).toBe(
      `To sign in, open ${issuer}/activate and enter the code BCDF-GHJK`,
    );
    expect(await cli.nextLine()).toBe("polling every 1 s");
    expect(await cli.nextLine()).toBe("poll: slow_down, polling every 6 s");
    expect(polls).toHaveLength(1);
    expect(Object.fromEntries(polls[0]!)).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: "the-device-code",
      client_id: "cli-client",
    });
  });
});
