/**
 * The server side of `bench/http.ts`: the real app over a fresh SQLite file with the default
 * Argon2 parameters, one user with one session, plus one public route that does no
 * authentication (the baseline) and the same route behind authentication. Prints `{ port, token, name, password }` as one JSON line when
 * listening. `TESSERA_SESSION_CACHE=off` in the environment turns the session cache off;
 * `TESSERA_JWT_ALGORITHM=EdDSA` (or ES256) signs the session with a key pair (issue 13).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionJwtAlgorithm } from "../src/core/jwt/index.js";
import { buildApp } from "../src/http/app.js";
import { createTessera } from "../src/runtime.js";
import { issueSessionToken } from "../src/services/sessions/sessions.js";
import { createUser } from "../src/services/account/users.js";

const dir = mkdtempSync(join(tmpdir(), "tessera-bench-"));
const tessera = await createTessera({
  nodeEnv: "production",
  databaseUrl: join(dir, "bench.db"),
  jwtSecret: randomBytes(32).toString("base64url"),
  publicUrl: "http://localhost:8000",
  logLevel: "silent",
  // Login throughput is measured, not brute force: lift the per-address limit.
  addressMaxFailures: 1_000_000,
  sessionCache: process.env.TESSERA_SESSION_CACHE !== "off",
  // autocannon keeps its 50 connections open: with the default 1,000 requests per socket every
  // route capped at exactly 50,000 answers a run and then got fast non-2xx answers.
  maxRequestsPerSocket: 0,
  // Checked by the configuration's row like the variable (HS256, EdDSA or ES256).
  jwtAlgorithm: (process.env.TESSERA_JWT_ALGORITHM ?? "HS256") as SessionJwtAlgorithm,
  keyEncryptionSecret: randomBytes(32).toString("base64url"),
});
// As the standalone server (`tessera serve`): no @fastify/websocket.
const app = await buildApp(tessera, { logger: false, closeTessera: true, websocket: false });
app.get("/bench/public", { config: { excludeFromAuth: true } }, async () => ({
  id: "00000000-0000-4000-8000-000000000000",
  name: "public",
}));
// The same answer behind the authentication: the difference is what checking a session costs,
// without /me's larger body (the user view, recovery codes, enrolment state) in the way.
app.get("/bench/private", async () => ({
  id: "00000000-0000-4000-8000-000000000000",
  name: "public",
}));
const password = "plain horse staple 123";
const user = await createUser(app.tessera, null, {
  name: "bench",
  email: "bench@example.org",
  password,
  mustChangePassword: false,
});
const { token } = await issueSessionToken(app.tessera, user, { amr: ["pwd"] });
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
if (address === null || typeof address === "string") throw new Error("no port");
process.stdout.write(
  `${JSON.stringify({ port: address.port, token, name: user.name, password })}\n`,
);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
