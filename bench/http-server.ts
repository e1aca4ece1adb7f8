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
import { loadConfig } from "../src/config/index.js";
import { buildApp } from "../src/http/app.js";
import { createTessera } from "../src/runtime.js";
import { issueSessionToken } from "../src/services/sessions/sessions.js";
import { createUser } from "../src/services/account/users.js";

const dir = mkdtempSync(join(tmpdir(), "tessera-bench-"));
const config = loadConfig({
  NODE_ENV: "production",
  TESSERA_DATABASE_URL: join(dir, "bench.db"),
  TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"),
  TESSERA_PUBLIC_URL: "http://localhost:8000",
  TESSERA_LOG_LEVEL: "silent",
  // Login throughput is measured, not brute force: lift the per-address limit.
  TESSERA_LOGIN_ADDRESS_MAX_FAILURES: "1000000",
  TESSERA_SESSION_CACHE: process.env.TESSERA_SESSION_CACHE ?? "on",
  // autocannon keeps its 50 connections open: with the default 1,000 requests per socket every
  // route capped at exactly 50,000 answers a run and then got fast non-2xx answers.
  TESSERA_MAX_REQUESTS_PER_SOCKET: "0",
  TESSERA_JWT_ALGORITHM: process.env.TESSERA_JWT_ALGORITHM ?? "HS256",
  TESSERA_KEY_ENCRYPTION_SECRET: randomBytes(32).toString("base64url"),
});
const tessera = await createTessera(config);
const app = await buildApp(tessera, { logger: false, closeTessera: true });
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
