/**
 * GitHub (issue 22 item 1): OAuth 2.0 without ID tokens, so who the person is comes from its
 * REST API with the access token: `GET /user` (the numeric `id` is the subject: a login can
 * be renamed, an id cannot) and `GET /user/emails` (the primary address and whether GitHub
 * verified it). The API is `https://api.github.com` for github.com, `{issuer}/api/v3` for a
 * GitHub Enterprise Server (and the tests' fake GitHub).
 */
import { GITHUB_API, GITHUB_ISSUER } from "./presets.js";
import { UPSTREAM_REQUEST_TIMEOUT_SECONDS, UpstreamResponseError } from "./errors.js";
import type { UpstreamIdentity, UpstreamProvider } from "./types.js";

/** The REST API base of a GitHub issuer. */
export function githubApiOf(issuer: string): string {
  const base = issuer.replace(/\/$/, "");
  return base === GITHUB_ISSUER ? GITHUB_API : `${base}/api/v3`;
}

async function getJson(url: string, accessToken: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: "application/vnd.github+json",
        "user-agent": "tessera",
        "x-github-api-version": "2022-11-28",
      },
      signal: AbortSignal.timeout(UPSTREAM_REQUEST_TIMEOUT_SECONDS * 1000),
    });
  } catch (error) {
    throw new UpstreamResponseError("github_api_unreachable", error);
  }
  if (!response.ok) throw new UpstreamResponseError(`github_api_${response.status}`);
  return response.json();
}

/** Who the access token belongs to. @throws UpstreamResponseError. */
export async function fetchGithubIdentity(
  provider: UpstreamProvider,
  accessToken: string,
): Promise<UpstreamIdentity> {
  const api = githubApiOf(provider.issuer);
  const user = (await getJson(`${api}/user`, accessToken)) as Record<string, unknown> | null;
  const id = user?.id;
  if (typeof id !== "number" || !Number.isSafeInteger(id)) {
    throw new UpstreamResponseError("github_user_invalid");
  }
  const emails = await getJson(`${api}/user/emails`, accessToken);
  const list = Array.isArray(emails) ? (emails as Array<Record<string, unknown>>) : [];
  const primary = list.find((entry) => entry.primary === true && typeof entry.email === "string");
  return {
    subject: String(id),
    email: typeof primary?.email === "string" ? primary.email : null,
    emailVerified: primary?.verified === true,
    name: typeof user?.name === "string" && user.name !== "" ? user.name : null,
    preferredUsername: typeof user?.login === "string" ? user.login : null,
    amr: [],
    acr: null,
  };
}
