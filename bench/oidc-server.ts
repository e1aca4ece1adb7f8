/**
 * The server side of `bench/oidc.ts`, started by it under `taskset` (every thread of the
 * process, the libuv pool that WebCrypto signs on included, on one core). Two roles:
 *
 * - `BENCH_ROLE=tessera`: the real app (`createTessera` + `buildApp`, production settings,
 *   the OpenID provider on, RS256 ID tokens) over a fresh SQLite file, with cheap Argon2 (no
 *   sign-in is measured), one user and one confidential first-party client (no consent page).
 *   The configuration comes from the environment the bench sets (`TESSERA_*`).
 * - `BENCH_ROLE=hello`: bare Fastify answering `GET /` with a small JSON: the floor of an HTTP
 *   request on this core.
 *
 * Prints one JSON line when listening: the port, and for Tessera the user, the client and its
 * redirect URI.
 */
import Fastify from "fastify";
import { loadConfig } from "../src/config/index.js";
import { buildApp } from "../src/http/app.js";
import { createTessera } from "../src/runtime.js";
import { createUser } from "../src/services/account/users.js";
import { addOidcClient } from "../src/services/oidc/clients.js";

/** The client's only redirect URI: nothing listens there, the bench reads the code off it. */
const REDIRECT_URI = "http://127.0.0.1:9/callback";
const USER = {
  name: "bench-oidc",
  email: "bench-oidc@example.org",
  password: "bench oidc pw 123",
};

async function tessera(): Promise<void> {
  const port = Number(process.env.TESSERA_PORT);
  const runtime = await createTessera(loadConfig(process.env));
  const app = await buildApp(runtime, { logger: false, closeTessera: true });
  await createUser(app.tessera, null, { ...USER, mustChangePassword: false });
  const { clientId, clientSecret } = await addOidcClient(runtime.ctx, {
    name: "Bench app",
    redirectUris: [REDIRECT_URI],
    firstParty: true,
  });
  await app.listen({ host: "127.0.0.1", port });
  const { name, password } = USER;
  const ready = { port, clientId, clientSecret, redirectUri: REDIRECT_URI, name, password };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
}

async function hello(): Promise<void> {
  const app = Fastify({ logger: false });
  app.get("/", async () => ({ status: "ok" }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
}

if (process.env.BENCH_ROLE === "hello") await hello();
else if (process.env.BENCH_ROLE === "tessera") await tessera();
else throw new Error("BENCH_ROLE must be tessera or hello (bench/oidc.ts starts this)");
