/**
 * The generated JWT secret: with no `TESSERA_JWT_SECRET` outside production, a random secret is
 * made on first start and kept in the data folder, so tokens survive a restart. The one place
 * the configuration writes a file.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** File in the data folder that keeps the generated secret when none is configured. */
export const JWT_SECRET_FILE = "jwt-secret";

/**
 * Reads the kept secret, or makes one (48 random bytes, base64url) with mode 0600 in a folder
 * of mode 0700. Another instance starting at the same moment reads the one that won.
 * @throws the file system's error other than "no such file" (a secret it cannot read).
 */
export function readOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, JWT_SECRET_FILE);
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString("base64url");
  try {
    // "wx": never overwrite a secret another instance just wrote.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      return readFileSync(file, "utf8").trim();
    throw error;
  }
  chmodSync(file, 0o600);
  return secret;
}
