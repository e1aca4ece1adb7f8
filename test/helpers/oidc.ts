/**
 * A test server whose public URL is its real address, so a relying party (openid-client, a
 * Python client, Chromium) can reach the issuer it discovers, on the real clock (the provider
 * keeps time with it); and a registered client.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { runCli } from "../../src/cli.js";
import { systemClock } from "../../src/core/clock.js";
import { addOidcClient } from "../../src/services/oidc/clients.js";
import type { OidcClientInput } from "../../src/services/oidc/client-metadata.js";
import { captureIo } from "./cli.js";
import {
  createClient,
  startTestServer,
  TEST_ARGON2_ENV,
  type TestClient,
  type TestServer,
} from "./server.js";
import type { TestDialect } from "./database.js";

/** A free TCP port on the loopback (closed again at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface OidcTestServer extends TestServer {
  /** The issuer: `baseUrl`. */
  issuer: string;
  /** A client with its own cookie jar whose writes come from the issuer's origin. */
  browser(): TestClient;
  /** Registers a client; its id and secret. */
  addClient(input: Partial<OidcClientInput> & { redirectUris?: string[] }): Promise<{
    clientId: string;
    clientSecret?: string;
  }>;
  /** Runs an operator command (`tessera ARGS`) in-process on the server's database. */
  cli(...args: string[]): Promise<{ code: number; lines: string[]; errors: string[] }>;
  /** The variables of an operator command on this server (its database, public URL, secret). */
  cliEnv: Record<string, string>;
}

export async function startOidcTestServer(
  dialect: TestDialect,
  options: {
    env?: Record<string, string>;
    /** The host name of its public URL (default 127.0.0.1; `localhost` keeps a second server's cookies apart in one browser). */
    host?: string;
  } = {},
): Promise<OidcTestServer> {
  const port = await freePort();
  const issuer = `http://${options.host ?? "127.0.0.1"}:${port}`;
  // One secret for the server and its operator commands (it seals the keys in the database).
  const env = {
    TESSERA_PUBLIC_URL: issuer,
    TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"),
    ...options.env,
  };
  const server = await startTestServer(dialect, {
    port,
    env,
    overrides: { clock: systemClock },
  });
  const cliEnv = {
    NODE_ENV: "test",
    TESSERA_DATA_DIR: "/nonexistent-tessera-test-dir",
    TESSERA_DATABASE_URL: server.databaseUrl,
    ...TEST_ARGON2_ENV,
    ...env,
  };
  return Object.assign(server, {
    issuer,
    cliEnv,
    browser: () => createClient(server.baseUrl, issuer),
    async addClient(input: Partial<OidcClientInput> & { redirectUris?: string[] }) {
      return addOidcClient(server.tessera.ctx, {
        name: "Test app",
        redirectUris: ["http://127.0.0.1:9/callback"],
        ...input,
      } as OidcClientInput);
    },
    async cli(...args: string[]) {
      const io = captureIo();
      const code = await runCli(
        args,
        {
          NODE_ENV: "test",
          TESSERA_DATA_DIR: "/nonexistent-tessera-test-dir",
          TESSERA_DATABASE_URL: server.databaseUrl,
          ...TEST_ARGON2_ENV,
          ...env,
        },
        io,
      );
      return { code, lines: io.lines, errors: io.errors };
    },
  });
}

/**
 * Follows a browser's redirects from `url` with the client's cookie jar until one leaves the
 * server (the client's redirect URI) or a page answers; every hop is returned.
 */
export async function follow(
  browser: TestClient,
  issuer: string,
  url: string,
  limit = 20,
): Promise<{ final: string; status: number; hops: string[]; text: string }> {
  const hops: string[] = [];
  let current = url;
  for (let i = 0; i < limit; i += 1) {
    hops.push(current);
    if (!current.startsWith(issuer)) return { final: current, status: 0, hops, text: "" };
    const response = await browser.request("GET", current.slice(issuer.length));
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || location === null) {
      return { final: current, status: response.status, hops, text: response.text };
    }
    current = new URL(location, current).href;
  }
  throw new Error(`Too many redirects: ${hops.join(" -> ")}`);
}

/** An HTML tag's attributes, names in lower case, values with the few entities decoded. */
function attributesOf(tag: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of tag.matchAll(
    /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g,
  )) {
    const value = match[2] ?? match[3] ?? match[4] ?? "";
    attributes.set(
      match[1]!.toLowerCase(),
      value
        .replaceAll("&quot;", '"')
        .replaceAll("&#39;", "'")
        .replaceAll("&lt;", "<")
        .replaceAll("&gt;", ">")
        .replaceAll("&amp;", "&"),
    );
  }
  return attributes;
}

/**
 * What a browser submits for the form `formId` of a page: every named `<input>` inside the form
 * or naming it with `form=`, in document order (a text field with what `typed` gives for its id
 * or, failing that, its name; others with their value), and the clicked button's name and value
 * when it has a name. The form's action and the url-encoded body.
 */
export function submitForm(
  page: string,
  formId: string,
  typed: Record<string, string> = {},
  clicked?: { name: string; value: string },
): { action: string; body: string } {
  const form = new RegExp(
    `<form\\b([^>]*\\bid="${formId.replace(/\./g, "\\.")}"[^>]*)>([\\s\\S]*?)</form>`,
  ).exec(page);
  if (form === null) throw new Error(`no form ${formId} in the page:\n${page}`);
  const fields = new URLSearchParams();
  const start = form.index;
  const end = start + form[0].length;
  for (const input of page.matchAll(/<input\b([^>]*)>/g)) {
    const attributes = attributesOf(input[1]!);
    const inside = input.index > start && input.index < end;
    if (!inside && attributes.get("form") !== formId) continue;
    const name = attributes.get("name");
    const type = attributes.get("type") ?? "text";
    if (name === undefined || ["submit", "button", "image", "reset"].includes(type)) continue;
    const id = attributes.get("id");
    const value =
      (id === undefined ? undefined : typed[id]) ?? typed[name] ?? attributes.get("value") ?? "";
    fields.append(name, value);
  }
  if (clicked !== undefined) fields.append(clicked.name, clicked.value);
  return { action: attributesOf(form[1]!).get("action") ?? "", body: fields.toString() };
}
