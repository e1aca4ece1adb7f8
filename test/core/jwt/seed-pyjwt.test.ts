/**
 * Interoperability with the seed's PyJWT, run for real: Debian's python3-jwt under
 * /usr/bin/python3 (the python3 on PATH may be another interpreter without it). Under CI=true a
 * missing PyJWT fails the test; elsewhere the test is skipped with the reason printed.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createJwt, createJwtKeyRing, verifyJwt } from "../../../src/core/jwt/index.js";
import seed from "../../fixtures/seed-interop.json" with { type: "json" };
import { replaceEnd } from "../../helpers/tamper.js";

const PYTHON = "/usr/bin/python3";
const SECRET = seed.jwt.secret;

const probe = spawnSync(PYTHON, ["-c", "import jwt; print(jwt.__version__)"], { encoding: "utf8" });
const pyjwtVersion = probe.status === 0 ? probe.stdout.trim() : null;
const reason =
  `PyJWT is not importable by ${PYTHON} (${probe.error?.message ?? probe.stderr.trim()}); ` +
  "install Debian's package: apt-get install -y python3-jwt";
const inCi = process.env.CI === "true";
if (pyjwtVersion === null && !inCi) console.warn(`Skipping the PyJWT interop tests: ${reason}`);

/** Runs the seed's calls in PyJWT; `calls` go in on stdin as JSON, results come back as JSON. */
function python(script: string, input: unknown): unknown {
  const run = spawnSync(PYTHON, ["-c", script], { input: JSON.stringify(input), encoding: "utf8" });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const DECODE = `
import json, sys, jwt
calls = json.load(sys.stdin)
out = []
for call in calls:
    try:
        out.append({"ok": jwt.decode(call["token"], call["secret"], algorithms=["HS256"])})
    except jwt.InvalidTokenError as error:
        out.append({"error": type(error).__name__})
print(json.dumps(out))
`;

const ENCODE = `
import json, sys, jwt
from datetime import datetime, timedelta, timezone
call = json.load(sys.stdin)
payload = dict(call["user"])
payload["exp"] = datetime.now(tz=timezone.utc) + timedelta(hours=call["hours"])
print(json.dumps(jwt.encode(payload, call["secret"], algorithm="HS256")))
`;

describe.skipIf(pyjwtVersion === null && !inCi)("PyJWT interop (the seed's jwt.decode)", () => {
  it("has PyJWT available under /usr/bin/python3", () => {
    expect(pyjwtVersion, reason).not.toBeNull();
  });

  it("decodes tokens made by createJwt, with the same claims, for both key styles", () => {
    expect(pyjwtVersion, reason).not.toBeNull();
    const users = [
      { id: "5b0d2f1e-8a4b-4e0c-9d7f-6f9f978015de", name: " ^äRñp?X", email: "u0@example.org" },
      { id: "2", name: '字 "quoted" \\ back', email: "x@example.org", tokenVersion: 4 },
    ];
    const ring = createJwtKeyRing({ kid: "2026-11", secret: SECRET }, ["y".repeat(40)]);
    const tokens = users.flatMap((user) => [
      createJwt(user, 24, { secret: SECRET }),
      createJwt(user, 0.5, { keys: ring }),
    ]);
    const decoded = python(
      DECODE,
      tokens.map((token) => ({ token, secret: SECRET })),
    ) as { ok?: Record<string, unknown>; error?: string }[];
    decoded.forEach((result, i) => {
      const user = users[Math.floor(i / 2)]!;
      const { tokenVersion, ...claims } = user;
      expect(result.error).toBeUndefined();
      expect(result.ok).toMatchObject(claims);
      expect(result.ok?.ver).toBe(tokenVersion);
      expect(typeof result.ok?.exp).toBe("number");
      expect(typeof result.ok?.iat).toBe("number");
    });
  });

  it("refuses, like Tessera, a createJwt token signed with another secret or tampered with", () => {
    expect(pyjwtVersion, reason).not.toBeNull();
    const token = createJwt({ id: "1", name: "a", email: "a@example.org" }, 1, { secret: SECRET });
    const tampered = token.replace(/\.([^.]+)\./, (_m, p: string) => `.${replaceEnd(p, 2)}.`);
    const decoded = python(DECODE, [
      { token, secret: "z".repeat(32) },
      { token: tampered, secret: SECRET },
    ]) as { error?: string }[];
    expect(decoded.map((r) => r.error)).toEqual([
      "InvalidSignatureError",
      expect.stringMatching(/Error$/),
    ]);
  });

  it("verifies a token PyJWT makes now with the seed's create_jwt call", () => {
    expect(pyjwtVersion, reason).not.toBeNull();
    const user = { id: "7", name: "Zoë", email: "zoe@example.org" };
    const token = python(ENCODE, { user, hours: 1, secret: SECRET }) as string;
    expect(verifyJwt(token, { secret: SECRET })).toEqual(user);
    expect(verifyJwt(token, { keys: createJwtKeyRing("n".repeat(32), [SECRET]) })).toEqual(user);
  });
});
