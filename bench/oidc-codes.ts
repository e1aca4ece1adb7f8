/**
 * The authorization codes of `bench/oidc.ts`, made by the real flow over HTTP: a browser (a
 * cookie jar over fetch) signs the bench's person in once, through the provider's redirect to
 * Tessera's sign-in page and back; after that each code is one `GET /oidc/auth` of that browser
 * (the provider's session and the grant it remembers answer, no interaction), followed to the
 * redirect URI, where nothing listens: the code is read off the URL.
 */
import { createHash, randomBytes } from "node:crypto";

/** Parallel `GET /oidc/auth` while making codes. */
const MINTERS = 8;

/** What `bench/oidc-server.ts` prints when Tessera listens. */
export interface TesseraReady {
  port: number;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  name: string;
  password: string;
}

/** A browser: a cookie jar over fetch, no redirects followed. */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly origin: string) {}

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers.origin = this.origin;
    }
    const response = await fetch(this.origin + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0]!;
      const at = pair.indexOf("=");
      const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Follows redirects from `path` until one leaves the origin; that URL and the hops. */
  async follow(path: string): Promise<{ url: string; hops: number }> {
    let current = this.origin + path;
    for (let hops = 0; hops < 20; hops += 1) {
      if (!current.startsWith(this.origin)) return { url: current, hops };
      const response = await this.request("GET", current.slice(this.origin.length));
      await response.arrayBuffer();
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || location === null) {
        return { url: current, hops: hops + 1 };
      }
      current = new URL(location, current).href;
    }
    throw new Error(`too many redirects from ${path}`);
  }
}

/** One PKCE pair for every code of the run (each code is still used once). */
export const VERIFIER = randomBytes(32).toString("base64url");
const CHALLENGE = createHash("sha256").update(VERIFIER).digest("base64url");

function authorizePath(tessera: TesseraReady): string {
  const params = new URLSearchParams({
    client_id: tessera.clientId,
    redirect_uri: tessera.redirectUri,
    response_type: "code",
    scope: "openid email profile",
    code_challenge: CHALLENGE,
    code_challenge_method: "S256",
    state: randomBytes(12).toString("base64url"),
    nonce: randomBytes(12).toString("base64url"),
  });
  return `/oidc/auth?${params}`;
}

function codeOf(url: string, tessera: TesseraReady): string {
  const parsed = new URL(url);
  const code = parsed.searchParams.get("code");
  if (!url.startsWith(tessera.redirectUri) || code === null)
    throw new Error(`no code: the flow ended at ${url}`);
  return code;
}

/** Signs the person in through the provider's first redirect to Tessera's sign-in page. */
export async function signIn(browser: Browser, tessera: TesseraReady): Promise<void> {
  const first = await browser.follow(authorizePath(tessera));
  const next = new URL(first.url).searchParams.get("next");
  if (next === null) throw new Error(`expected the sign-in page, got ${first.url}`);
  const login = await browser.request("POST", "/login", {
    name: tessera.name,
    password: tessera.password,
  });
  if (login.status !== 200) throw new Error(`POST /login: ${login.status}`);
  await login.arrayBuffer();
  codeOf((await browser.follow(next)).url, tessera); // the first code, not used
}

/**
 * Up to `count` fresh codes from the signed-in browser, for at most `seconds` (a code lives a
 * minute, and the exchange takes them oldest first right after), MINTERS at a time; how many
 * requests each took.
 */
export async function mintCodes(
  browser: Browser,
  tessera: TesseraReady,
  count: number,
  seconds: number,
): Promise<{ codes: string[]; hops: number; seconds: number }> {
  const codes: string[] = [];
  let hops = 0;
  let started = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: MINTERS }, async () => {
      while (started < count && performance.now() - start < seconds * 1000) {
        started += 1;
        const result = await browser.follow(authorizePath(tessera));
        hops += result.hops;
        codes.push(codeOf(result.url, tessera));
      }
    }),
  );
  return { codes, hops: hops / codes.length, seconds: (performance.now() - start) / 1000 };
}
