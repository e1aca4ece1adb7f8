/**
 * `tessera serve`: migrations, the first admin on an empty database, listen, and a graceful
 * stop on SIGTERM/SIGINT (in-flight requests finish, then the database closes).
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { TesseraConfig } from "./config.js";
import { ConflictError } from "./core/errors.js";
import { buildApp } from "./http/app.js";
import { createTessera } from "./runtime.js";
import type { ServiceContext } from "./services/context.js";
import { createUser } from "./services/users.js";
import { countUsers } from "./store/index.js";

/** Name of the account made on first start. */
export const FIRST_ADMIN_NAME = "admin";

/** A one-time password: 18 random bytes, base64url (24 characters, 144 bits). */
export function generateOneTimePassword(): string {
  return randomBytes(18).toString("base64url");
}

/**
 * On an empty database, creates `admin` with a one-time password that must be changed at
 * first login, and prints it once. Several instances starting at once: one wins, the others
 * see the conflict and print nothing.
 */
export async function ensureFirstAdmin(
  ctx: ServiceContext,
  config: TesseraConfig,
  print: (line: string) => void,
): Promise<boolean> {
  if ((await countUsers(ctx.db)) > 0) return false;
  const password = generateOneTimePassword();
  try {
    await createUser(ctx, null, {
      name: FIRST_ADMIN_NAME,
      email: config.adminEmail,
      password,
      isAdmin: true,
      mustChangePassword: true,
    });
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
  print("");
  print("  First start: created the admin account.");
  print(`    name:     ${FIRST_ADMIN_NAME}`);
  print(`    password: ${password}`);
  print("  This password is shown once and must be changed at the first sign-in,");
  print("  at the address below.");
  print("");
  return true;
}

/** The start banner: the one address to open, in plain words, and where the API is described. */
export function printBanner(config: TesseraConfig, print: (line: string) => void): void {
  print("");
  print(`  Tessera is running. Open ${config.publicUrl}/ in your browser.`);
  print(`  API reference: ${config.publicUrl}/docs`);
  print("");
}

/** Starts the server and returns it; stops cleanly on SIGTERM and SIGINT. */
export async function serve(
  config: TesseraConfig,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<FastifyInstance> {
  const tessera = await createTessera(config);
  let app: FastifyInstance;
  try {
    // A person at a terminal reads lines; a log collector reads JSON.
    app = await buildApp(tessera, {
      closeTessera: true,
      prettyLogs: process.stdout.isTTY === true,
    });
  } catch (error) {
    await tessera.close();
    throw error;
  }
  await ensureFirstAdmin(tessera.ctx, config, print);
  await app.listen({
    host: config.host,
    port: config.port,
    // The bound address, not a URL: the URL to open is the public one, printed once below.
    listenTextResolver: (address) => `bound to ${address.replace(/^https?:\/\//, "")}`,
  });
  printBanner(config, print);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "stopping: finishing in-flight requests");
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return app;
}
