/**
 * Refresh-token rotation with a grace (issue 21 items 2 and 8; Better Auth #8512): concurrent
 * refreshes with one token from the same client, within TESSERA_OIDC_REFRESH_GRACE_SECONDS, get
 * the same successor and the grant stays valid (2 at once, and 20 at once on connections opened
 * beforehand, so that they reach the server together); the rotated token replayed after the
 * grace revokes the whole grant; another client presenting a token gets `invalid_grant` and
 * revokes nothing. The race runs on SQLite and on PostgreSQL.
 */
import { Agent, request as httpRequest } from "node:http";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDialect } from "../../helpers/database.js";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import { codeFlow, discover } from "../../helpers/oidc-flow.js";
import { waitFor } from "../../helpers/wait.js";

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A keep-alive agent with `count` connections to the server open and idle. */
async function openConnections(server: OidcTestServer, count: number): Promise<Agent> {
  const agent = new Agent({ keepAlive: true, maxSockets: count, maxFreeSockets: count });
  await Promise.all(
    Array.from({ length: count }, () => send(agent, server, "GET", "/oidc/jwks", undefined)),
  );
  const idle = Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
  expect(idle).toBe(count);
  return agent;
}

/** One request on the agent's connections. */
function send(
  agent: Agent,
  server: OidcTestServer,
  method: string,
  path: string,
  form: Record<string, string> | undefined,
  basic?: { id: string; secret: string },
): Promise<Answer> {
  const body = form === undefined ? undefined : new URLSearchParams(form).toString();
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
  if (basic !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString("base64")}`;
  }
  return new Promise((resolve, reject) => {
    const request = httpRequest(server.issuer + path, { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Answer["body"] });
      });
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** A signed-in person's tokens from a confidential first-party client (default grace: 10 s). */
async function signedIn(server: OidcTestServer) {
  const user = await server.createUser({});
  const { clientId, clientSecret } = await server.addClient({ firstParty: true });
  const config = await discover(server, clientId, clientSecret);
  const { tokens } = await codeFlow(server, config, user);
  const basic = { id: clientId, secret: clientSecret! };
  return { user, config, basic, refreshToken: tokens.refresh_token!, tokens };
}

function refreshForm(refreshToken: string): Record<string, string> {
  return { grant_type: "refresh_token", refresh_token: refreshToken };
}

/** The concurrent refreshes, for one dialect. */
function raceSuite(dialect: TestDialect) {
  describe(`concurrent refreshes with one token (${dialect})`, () => {
    let server: OidcTestServer;
    beforeAll(async () => {
      server = await startOidcTestServer(dialect);
    });
    afterAll(async () => {
      await server.close();
    });

    for (const count of [2, 20]) {
      it(`gives ${count} concurrent refreshes the same successor and keeps the grant`, async () => {
        const { config, basic, refreshToken, user } = await signedIn(server);
        const agent = await openConnections(server, count);
        try {
          const answers = await Promise.all(
            Array.from({ length: count }, () =>
              send(agent, server, "POST", "/oidc/token", refreshForm(refreshToken), basic),
            ),
          );
          for (const answer of answers) {
            expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          }
          const successors = new Set(answers.map((a) => a.body.refresh_token));
          const accessTokens = new Set(answers.map((a) => a.body.access_token));
          expect(successors.size).toBe(1);
          expect(accessTokens.size).toBe(1);
          const [successor] = successors as Set<string>;
          expect(successor).not.toBe(refreshToken);

          // The grant is still valid: the successor refreshes, its access token reads userinfo.
          const next = await oidc.refreshTokenGrant(config, successor!);
          expect(next.refresh_token).not.toBe(successor);
          const info = await oidc.fetchUserInfo(config, next.access_token, user.id);
          expect(info.sub).toBe(user.id);
          const first = [...accessTokens][0] as string;
          expect((await oidc.tokenIntrospection(config, first)).active).toBe(true);
        } finally {
          agent.destroy();
        }
      });
    }
  });
}

raceSuite("sqlite");
raceSuite("postgres");

describe("another client presenting a refresh token (sqlite)", () => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite");
  });
  afterAll(async () => {
    await server.close();
  });

  it("gets invalid_grant and revokes nothing, used or current, within the grace", async () => {
    const { config, basic, refreshToken } = await signedIn(server);
    const other = await server.addClient({ firstParty: true });
    const otherBasic = { id: other.clientId, secret: other.clientSecret! };
    const agent = new Agent({ keepAlive: true });
    try {
      const refresh = (token: string, as: { id: string; secret: string }) =>
        send(agent, server, "POST", "/oidc/token", refreshForm(token), as);
      // The current token, presented by the other client first.
      const stolen = await refresh(refreshToken, otherBasic);
      expect(stolen.status).toBe(400);
      expect(stolen.body.error).toBe("invalid_grant");
      const rotated = await refresh(refreshToken, basic);
      expect(rotated.status).toBe(200);
      const successor = rotated.body.refresh_token as string;
      // The rotated one, within its grace, presented by the other client.
      const replayed = await refresh(refreshToken, otherBasic);
      expect(replayed.status).toBe(400);
      expect(replayed.body.error).toBe("invalid_grant");
      expect(replayed.body.refresh_token).toBeUndefined();
      // Nothing was revoked: the successor still works for its own client.
      expect((await oidc.tokenIntrospection(config, successor)).active).toBe(true);
      const next = await refresh(successor, basic);
      expect(next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});

describe("a rotated refresh token replayed after the grace (sqlite, 1 s grace)", () => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite", {
      env: { TESSERA_OIDC_REFRESH_GRACE_SECONDS: "1" },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("revokes the whole grant; another client's replay before that revokes nothing", async () => {
    const { config, basic, refreshToken, user } = await signedIn(server);
    const other = await server.addClient({ firstParty: true });
    const agent = new Agent({ keepAlive: true });
    try {
      const refresh = (token: string, as = basic) =>
        send(agent, server, "POST", "/oidc/token", refreshForm(token), as);
      const rotated = await refresh(refreshToken);
      expect(rotated.status).toBe(200);
      const successor = rotated.body.refresh_token as string;
      const accessToken = rotated.body.access_token as string;

      // Within the grace the same client gets the same answer again; poll until the grace is
      // over, which shows as the first replay that is refused.
      let refused: Answer | undefined;
      await waitFor(
        async () => {
          const replay = await refresh(refreshToken, {
            id: other.clientId,
            secret: other.clientSecret!,
          });
          // The other client never gets anything, and never revokes anything.
          expect(replay.status).toBe(400);
          expect(replay.body.error).toBe("invalid_grant");
          const own = await refresh(refreshToken);
          if (own.status === 200) {
            expect(own.body.refresh_token).toBe(successor);
            return false;
          }
          refused = own;
          return true;
        },
        { pollMs: 50 },
      );
      expect(refused!.status).toBe(400);
      expect(refused!.body.error).toBe("invalid_grant");

      // The whole grant is gone: the newest refresh token and the access token with it.
      const newest = await refresh(successor);
      expect(newest.status).toBe(400);
      expect(newest.body.error).toBe("invalid_grant");
      expect((await oidc.tokenIntrospection(config, successor)).active).toBe(false);
      expect((await oidc.tokenIntrospection(config, accessToken)).active).toBe(false);
      await expect(oidc.fetchUserInfo(config, accessToken, user.id)).rejects.toMatchObject({
        status: 401,
      });
    } finally {
      agent.destroy();
    }
  });
});
