/**
 * The request path exactly as Fastify's router (find-my-way) sees it, so that the
 * authentication middleware's `exclude` patterns are matched on the same string the router
 * matched routes on (a difference between the two is how path-confusion bypasses happen).
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface SanitizedUrl {
  path: string;
  querystring: string;
}
// find-my-way is Fastify's router; its sanitizer is the function the router itself runs. It is
// an internal module, so package.json pins find-my-way to the exact version Fastify resolves and
// test/http/router-path.test.ts checks that it is Fastify's copy and that this file agrees with
// the router (update the pin with Fastify, and run that test).
const { safeDecodeURI } = require("find-my-way/lib/url-sanitizer") as {
  safeDecodeURI(path: string, useSemicolonDelimiter: boolean): SanitizedUrl;
};

/** The router options that change how a path is normalised (Fastify `routerOptions`). */
export interface RouterPathOptions {
  ignoreDuplicateSlashes?: boolean;
  ignoreTrailingSlash?: boolean;
  caseSensitive?: boolean;
  useSemicolonDelimiter?: boolean;
}

/**
 * Returns the router's view of `url` (a request target), or `null` for a target the router
 * refuses as a bad URL. Mirrors find-my-way's `find()`: absolute-form targets are cut to their
 * path, percent-escapes are decoded (except `%2F`-style reserved ones, as the router does),
 * the query is split off, then duplicate and trailing slashes and case per the options.
 */
export function routerPath(url: string, options: RouterPathOptions = {}): string | null {
  let path = url;
  if (path.charCodeAt(0) !== 47 /* "/" */) {
    const absolute = pathFromAbsoluteUrl(path);
    if (absolute === null) return null;
    path = absolute;
  }
  try {
    path = safeDecodeURI(path, options.useSemicolonDelimiter === true).path;
  } catch {
    return null;
  }
  if (options.ignoreDuplicateSlashes === true) path = path.replace(/\/+/g, "/");
  if (options.ignoreTrailingSlash === true && path.length > 1 && path.endsWith("/")) {
    path = path.slice(0, -1);
  }
  if (options.caseSensitive === false) path = path.toLowerCase();
  return path;
}

/** find-my-way's `getPathFromAbsoluteUrl`: the path of an `http(s)://host/path` target. */
function pathFromAbsoluteUrl(url: string): string | null {
  if (url === "*") return url;
  const schemeEnd = url.indexOf("://");
  if (schemeEnd === -1) return null;
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  if (scheme !== "http" && scheme !== "https") return null;
  const authorityStart = schemeEnd + 3;
  let authorityEnd = url.length;
  const pathStart = url.indexOf("/", authorityStart);
  if (pathStart !== -1) authorityEnd = pathStart;
  const queryStart = url.indexOf("?", authorityStart);
  if (queryStart !== -1 && queryStart < authorityEnd) authorityEnd = queryStart;
  if (url.indexOf("#", authorityStart) !== -1 || authorityEnd === authorityStart) return null;
  const rest = url.slice(authorityEnd);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

/**
 * Compiles the middleware's `exclude` option: each pattern is a regular expression that must
 * match from the start of the path up to its end or a `/` (so `/login` opens `/login` and
 * `/login/x` but not `/loginx` nor `/admin/login-audit`). Returns a tester, and whether some
 * pattern opens the root path `/` (which the caller warns about).
 */
export function compileExcludePatterns(patterns: string | readonly string[] | undefined): {
  test(path: string): boolean;
  opensRoot: boolean;
} {
  const list = patterns === undefined ? [] : typeof patterns === "string" ? [patterns] : patterns;
  if (list.length === 0) return { test: () => false, opensRoot: false };
  for (const pattern of list) {
    // Validate each on its own so the error names the bad pattern.
    try {
      new RegExp(pattern);
    } catch (error) {
      throw new TypeError(
        `authentication.exclude: invalid regular expression ${JSON.stringify(pattern)}`,
        {
          cause: error,
        },
      );
    }
  }
  // Anchored at the start; after the match, the path must end or continue with "/".
  const regex = new RegExp(
    `^(?:${list.map((p) => `(?:${p.replace(/^\^/, "")})`).join("|")})(?:/|$)`,
  );
  const test = (path: string) => regex.test(path);
  return { test, opensRoot: test("/") };
}
