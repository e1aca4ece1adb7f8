/**
 * A tiny relying party for the browser tests (issue 21 item 9): a web app on `node:http` that
 * signs its visitors in with Tessera through panva's openid-client (authorization code with
 * PKCE, `state` and `nonce`), as any team's app would. It listens on `localhost` (another site
 * than the issuer's `127.0.0.1`, so the browser treats it as a foreign app).
 *
 * - `GET /login[?prompt=…&acr_values=…]`: to Tessera's authorization endpoint.
 * - `GET /callback`: the code exchanged, the ID token checked; a page naming who signed in.
 * - `GET /userinfo`, `GET /refresh`: the userinfo endpoint, a refresh (the new tokens kept).
 * - `GET /logout`: RP-initiated logout (`id_token_hint`, `post_logout_redirect_uri`, `state`);
 *   `GET /bye` is where Tessera sends the browser back.
 * - `POST /backchannel`: back-channel logout; the logout tokens received are kept, unverified
 *   (the test verifies them).
 *
 * Sessions are in memory, keyed by an httpOnly `rp_session` cookie.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import * as oidc from "openid-client";
import { freePort } from "./helpers.js";

/** What the app knows of one visitor. */
export interface RpSession {
  /** The authorization request in flight. */
  pending?: { verifier: string; state: string; nonce: string };
  tokens?: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  /** The ID token's claims from the sign-in (the refresh keeps them). */
  claims?: oidc.IDToken;
  /** The last error the callback got, e.g. `access_denied`. */
  error?: string;
}

export interface RelyingParty {
  /** `http://localhost:PORT`. */
  readonly origin: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly backchannelLogoutUri: string;
  /** The visitors' sessions, by cookie value. */
  readonly sessions: Map<string, RpSession>;
  /** The `logout_token`s POSTed to the back-channel logout URI, in order. */
  readonly logoutTokens: string[];
  /** Discovers the issuer with the client's credentials (after the client is registered). */
  configure(issuer: string, clientId: string, clientSecret?: string): Promise<oidc.Configuration>;
  /** The discovered configuration. @throws before `configure`. */
  config(): oidc.Configuration;
  close(): Promise<void>;
}

const COOKIE = "rp_session";

function escape(text: unknown): string {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function page(response: ServerResponse, title: string, body: string, status = 200): void {
  response.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  response.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
      `<body><h1>${escape(title)}</h1>${body}</body></html>`,
  );
}

function redirect(response: ServerResponse, location: string, cookie?: string): void {
  response.writeHead(302, { location, ...(cookie === undefined ? {} : { "set-cookie": cookie }) });
  response.end();
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Who is signed in, as the app's pages show it (ids the test reads). */
function signedInBody(session: RpSession): string {
  const claims: Partial<oidc.IDToken> = session.claims ?? {};
  return (
    `<p id="status">signed in</p>` +
    `<p>sub: <span id="sub">${escape(claims.sub)}</span></p>` +
    `<p>email: <span id="email">${escape(claims.email ?? "")}</span></p>` +
    `<p>sid: <span id="sid">${escape(claims.sid ?? "")}</span></p>` +
    `<p>acr: <span id="acr">${escape(claims.acr ?? "")}</span></p>` +
    `<p>amr: <span id="amr">${escape(Array.isArray(claims.amr) ? claims.amr.join(" ") : "")}</span></p>`
  );
}

/** Starts the app on a free port of `localhost` (both loopback addresses). */
export async function startRelyingParty(): Promise<RelyingParty> {
  const sessions = new Map<string, RpSession>();
  const logoutTokens: string[] = [];
  let configuration: oidc.Configuration | undefined;
  let origin = "";

  const config = () => {
    if (configuration === undefined) throw new Error("the relying party is not configured");
    return configuration;
  };

  const sessionOf = (request: IncomingMessage): [string, RpSession] | null => {
    const match = /(?:^|;\s*)rp_session=([A-Za-z0-9_-]+)/.exec(request.headers.cookie ?? "");
    const session = match?.[1] === undefined ? undefined : sessions.get(match[1]);
    return session === undefined || match?.[1] === undefined ? null : [match[1], session];
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", origin);
    const found = sessionOf(request);
    switch (`${request.method} ${url.pathname}`) {
      case "GET /login": {
        const id = found?.[0] ?? randomBytes(16).toString("base64url");
        const session: RpSession = found?.[1] ?? {};
        sessions.set(id, session);
        const verifier = oidc.randomPKCECodeVerifier();
        const pending = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce() };
        session.pending = pending;
        const extra: Record<string, string> = {};
        for (const name of ["prompt", "acr_values", "max_age"]) {
          const value = url.searchParams.get(name);
          if (value !== null) extra[name] = value;
        }
        const target = oidc.buildAuthorizationUrl(config(), {
          redirect_uri: `${origin}/callback`,
          scope: url.searchParams.get("scope") ?? "openid email profile",
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: "S256",
          state: pending.state,
          nonce: pending.nonce,
          ...extra,
        });
        return redirect(response, target.href, `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`);
      }
      case "GET /callback": {
        const session = found?.[1];
        const pending = session?.pending;
        if (session === undefined || pending === undefined) {
          return page(response, "No sign-in in progress", "", 400);
        }
        session.pending = undefined;
        try {
          const tokens = await oidc.authorizationCodeGrant(config(), url, {
            pkceCodeVerifier: pending.verifier,
            expectedState: pending.state,
            expectedNonce: pending.nonce,
            idTokenExpected: true,
          });
          session.tokens = tokens;
          session.claims = tokens.claims();
          session.error = undefined;
        } catch (error) {
          session.error =
            error instanceof oidc.AuthorizationResponseError ? error.error : String(error);
          return page(response, "Sign-in failed", `<p id="error">${escape(session.error)}</p>`);
        }
        return page(response, "Welcome", signedInBody(session));
      }
      case "GET /userinfo": {
        const session = found?.[1];
        if (session?.tokens === undefined || session.claims === undefined) {
          return page(response, "Not signed in", "", 401);
        }
        const info = await oidc.fetchUserInfo(
          config(),
          session.tokens.access_token,
          session.claims.sub,
        );
        return page(
          response,
          "Userinfo",
          `<p>email: <span id="userinfo-email">${escape(info.email ?? "")}</span></p>`,
        );
      }
      case "GET /refresh": {
        const session = found?.[1];
        const refreshToken = session?.tokens?.refresh_token;
        if (session === undefined || refreshToken === undefined) {
          return page(response, "Not signed in", "", 401);
        }
        try {
          session.tokens = await oidc.refreshTokenGrant(config(), refreshToken);
        } catch (error) {
          const code = error instanceof oidc.ResponseBodyError ? error.error : String(error);
          return page(response, "Refresh failed", `<p id="error">${escape(code)}</p>`);
        }
        return page(
          response,
          "Refreshed",
          `<p id="refreshed">${escape(session.tokens.claims()?.sub ?? "")}</p>`,
        );
      }
      case "GET /logout": {
        const session = found?.[1];
        const idToken = session?.tokens?.id_token;
        if (found !== null) sessions.delete(found[0]);
        if (idToken === undefined) return redirect(response, "/bye");
        const target = oidc.buildEndSessionUrl(config(), {
          id_token_hint: idToken,
          post_logout_redirect_uri: `${origin}/bye`,
          state: "bye-state",
        });
        return redirect(response, target.href);
      }
      case "GET /bye":
        return page(
          response,
          "Signed out",
          `<p id="status">signed out</p><p id="state">${escape(url.searchParams.get("state") ?? "")}</p>`,
        );
      case "POST /backchannel": {
        const token = new URLSearchParams(await readBody(request)).get("logout_token");
        if (token === null) return page(response, "No logout token", "", 400);
        logoutTokens.push(token);
        response.writeHead(200, { "cache-control": "no-store" });
        return response.end();
      }
      default:
        return page(response, "Not found", "", 404);
    }
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) page(response, "Error", `<p id="error">${escape(error)}</p>`, 500);
    });
  };

  // "localhost" is 127.0.0.1 or ::1 depending on who resolves it: listen on both.
  for (let attempt = 0; ; attempt += 1) {
    const port = await freePort();
    const servers: Server[] = [];
    try {
      for (const host of ["127.0.0.1", "::1"]) {
        const server = createServer(listener);
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(port, host, () => resolve());
        }).catch((error: NodeJS.ErrnoException) => {
          // No IPv6 on this machine: 127.0.0.1 alone.
          if (host === "::1" && error.code === "EADDRNOTAVAIL") return;
          throw error;
        });
        if (server.listening) servers.push(server);
      }
    } catch (error) {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      if (attempt >= 4) throw error;
      continue;
    }
    origin = `http://localhost:${port}`;
    return {
      origin,
      redirectUri: `${origin}/callback`,
      postLogoutRedirectUri: `${origin}/bye`,
      backchannelLogoutUri: `${origin}/backchannel`,
      sessions,
      logoutTokens,
      async configure(issuer, clientId, clientSecret) {
        configuration = await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, {
          execute: [oidc.allowInsecureRequests],
        });
        return configuration;
      },
      config,
      async close() {
        for (const server of servers) server.closeAllConnections();
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      },
    };
  }
}
