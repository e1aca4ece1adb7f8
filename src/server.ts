/**
 * `tessera serve`: migrations, the first admin on an empty database, listen, and a graceful
 * stop on SIGTERM/SIGINT (in-flight requests finish, then the database closes).
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { TesseraConfig } from "./config/index.js";
import { isUnavailableError } from "./core/availability.js";
import { ConflictError } from "./core/errors.js";
import { buildApp } from "./http/app.js";
import { createTessera, type TesseraRuntime } from "./runtime.js";
import type { ServiceContext } from "./services/context.js";
import { createUser } from "./services/account/users.js";
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
  print(
    `  A new password for ${FIRST_ADMIN_NAME} (or anyone): npx --no-install tessera reset-password --name ${FIRST_ADMIN_NAME}`,
  );
  print("");
}

/** First wait between start attempts; it doubles up to `MAX_START_RETRY_DELAY_MS`. */
export const FIRST_START_RETRY_DELAY_MS = 250;
export const MAX_START_RETRY_DELAY_MS = 5_000;

function describeCause(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === "string" ? `${current.message} (${code})` : current.message);
    current = current.cause;
  }
  return parts.join(": ") || String(error);
}

/**
 * `createTessera`, retried with doubling waits while the database (or Redis) is unreachable,
 * for at most `config.databaseStartTimeoutSeconds` (issue 14 item 4: a database that starts
 * after Tessera, as in a compose file, is waited for; each failure prints its cause). Any other
 * error (bad credentials, a failed migration) fails at once.
 */
export async function openWithRetry(
  config: TesseraConfig,
  print: (line: string) => void,
): Promise<TesseraRuntime> {
  const deadline = Date.now() + config.databaseStartTimeoutSeconds * 1000;
  for (let delayMs = FIRST_START_RETRY_DELAY_MS; ;) {
    try {
      return await createTessera(config);
    } catch (error) {
      const left = deadline - Date.now();
      if (!isUnavailableError(error) || left <= 0) throw error;
      const waitMs = Math.min(delayMs, left);
      print(`  Database unreachable (${describeCause(error)}); retrying in ${waitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      delayMs = Math.min(delayMs * 2, MAX_START_RETRY_DELAY_MS);
    }
  }
}

/** How often a server started by npm looks whether its parent process is still the same. */
export const PARENT_CHECK_INTERVAL_MS = 250;

export interface ServeOptions {
  /**
   * Stop, as on SIGTERM, when the parent process goes away. Default false; the CLI sets it under
   * npm (`npm start`, `npx tessera serve`): npm runs the command as `sh -c "…"` and passes a
   * signal on to that shell only, which exits without passing it on, so the server was left
   * running, re-parented, holding its port (issue 18 item 4). Not for `nohup` or a service
   * manager, where outliving the parent is intended.
   */
  stopWithParent?: boolean;
}

/** Starts the server and returns it; stops cleanly on SIGTERM and SIGINT. */
export async function serve(
  config: TesseraConfig,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  options: ServeOptions = {},
): Promise<FastifyInstance> {
  // The parent as it is now, before any wait: read after listening, a parent that died while
  // the server was starting (npm killed under load) was already the new one, and the server
  // stayed up, re-parented, holding its port.
  const parent = process.ppid;
  const tessera = await openWithRetry(config, print);
  let app: FastifyInstance;
  try {
    // A person at a terminal reads lines; a log collector reads JSON.
    app = await buildApp(tessera, {
      closeTessera: true,
      prettyLogs: process.stdout.isTTY === true,
      // No WebSocket route in the standalone server: no per-request hooks for them.
      websocket: false,
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
  let parentWatch: NodeJS.Timeout | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(parentWatch);
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
  if (options.stopWithParent === true) {
    parentWatch = setInterval(() => {
      if (process.ppid !== parent) stop("parent exited");
    }, PARENT_CHECK_INTERVAL_MS);
    parentWatch.unref();
  }
  return app;
}
