/**
 * Issue 18 item 3: a host app that embeds the plugin listens on a port of its own, while the
 * public URL, unless given, is the standalone server's default (`http://localhost:8000`).
 * Browsers then send an `Origin` the CSRF check refuses (403 `csrf` on every sign-in) and
 * passkeys are bound to the wrong origin. Once the host listens, this says so, with the fix.
 */
import type { FastifyInstance } from "fastify";

/** The `code` of the process warning (`process.on("warning")`, printed on stderr by Node). */
export const PUBLIC_URL_MISMATCH_WARNING = "PUBLIC_URL_MISMATCH";

/** The public URL's port, the scheme's default when it names none. */
function portOf(publicUrl: string): number {
  const url = new URL(publicUrl);
  return url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/**
 * The warning for a host listening on `ports` when the public URL is the default one, or null
 * when it is right (the default's port is among them) or was given (behind a proxy the host
 * listens elsewhere on purpose).
 */
export function publicUrlMismatch(
  settings: { publicUrl: string; publicUrlIsDefault?: boolean },
  ports: readonly number[],
): string | null {
  if (settings.publicUrlIsDefault !== true || ports.length === 0) return null;
  if (ports.includes(portOf(settings.publicUrl))) return null;
  const port = ports[0]!; // "localhost" binds 127.0.0.1 and ::1 on one port
  return (
    `Tessera: this server listens on port ${port}, but no public URL was given and the ` +
    `default, ${settings.publicUrl}, names another port: browsers signing in here get 403 ` +
    `csrf and passkeys fail. Give the address people open: ` +
    `loadConfig(process.env, { publicUrl: "http://localhost:${port}" }) or TESSERA_PUBLIC_URL.`
  );
}

/** Warns (a process warning, seen with or without a Fastify logger) once `app` listens. */
export function installPublicUrlCheck(
  app: FastifyInstance,
  settings: { publicUrl: string; publicUrlIsDefault?: boolean },
): void {
  app.addHook("onListen", async () => {
    // A Unix socket (a string) has no port to compare.
    const ports = app
      .addresses()
      .flatMap((address) => (typeof address === "string" ? [] : [address.port]));
    const warning = publicUrlMismatch(settings, ports);
    if (warning !== null)
      process.emitWarning(warning, { type: "TesseraWarning", code: PUBLIC_URL_MISMATCH_WARNING });
  });
}
