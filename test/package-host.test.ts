/**
 * A host app built from the packed package, as someone who embeds Tessera would build it:
 * `npm pack` of a fresh build, unpacked into the host's node_modules (its dependencies linked
 * from ours, so no registry is needed), a TypeScript host program that type-checks under
 * `strict` WITHOUT `skipLibCheck` (our .d.ts and everything they pull in), protects its own
 * route, excludes another, and signs a user in with a passkey through the software
 * authenticator, over a real listening socket.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./e2e/helpers.js";
import { REPOSITORY_ROOT, packTessera } from "./helpers/pack.js";
import { registerPasskey } from "./helpers/passkeys.js";
import { createClient, TEST_ARGON2_ENV } from "./helpers/server.js";

const ROOT = REPOSITORY_ROOT;
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

const HOST_PROGRAM = `
import Fastify from "fastify";
import {
  createTessera, createUser, getUserByNameOrMail, listAuditEvents, loadConfig, requireUser,
  tessera, type TesseraRuntime,
} from "tessera-auth/fastify";
import { verifyPassword } from "tessera-auth";

const port = Number(process.env.HOST_PORT);
// The address people open: the CSRF check and passkeys compare a browser's Origin with it.
const parts: TesseraRuntime = await createTessera(
  loadConfig(process.env, { publicUrl: \`http://localhost:\${port}\` }),
);
const app = Fastify();
await app.register(tessera, { tessera: parts, authentication: { exclude: ["/public"] } });
app.get("/public/hello", async () => ({ hello: "world" }));
app.get("/mine", async (request) => {
  const user = requireUser(request); // typed non-null: no "!"
  const stored = await getUserByNameOrMail(parts.ctx.db, user.name);
  const events = await listAuditEvents(parts.ctx.db, { userId: user.id });
  return {
    name: user.name,
    // A passkey-first account has no password (issue 24): its passwordHash is null.
    password_ok:
      stored?.passwordHash != null &&
      (await verifyPassword(stored.passwordHash, "a good password 123")),
    events: events.map((event) => event.event),
  };
});
// The first admin, as the README's example makes it.
const user =
  (await getUserByNameOrMail(parts.ctx.db, "host-user")) ??
  (await createUser(parts.ctx, null, {
    name: "host-user",
    email: "host@example.org",
    password: "a good password 123",
    isAdmin: true,
    mustChangePassword: false,
  }));
app.addHook("onClose", () => parts.close());
await app.listen({ host: "localhost", port });
process.stdout.write(JSON.stringify({ id: user.id }) + "\\n");
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
`;

let workDir = "";
let host: ChildProcess | undefined;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "tessera-host-"));
  // 1. A fresh build of the package in its own root, then `npm pack`.
  const tarball = packTessera(workDir);

  // 2. The host: the tarball unpacked as node_modules/tessera, the dependencies linked.
  const hostDir = join(workDir, "host");
  const installed = join(hostDir, "node_modules", "tessera-auth");
  mkdirSync(installed, { recursive: true });
  run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"], hostDir);
  for (const name of readdirSync(join(ROOT, "node_modules"))) {
    if (name === ".bin" || name.startsWith(".")) continue;
    symlinkSync(join(ROOT, "node_modules", name), join(hostDir, "node_modules", name), "dir");
  }
  writeFileSync(join(hostDir, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(join(hostDir, "host.ts"), HOST_PROGRAM);
  writeFileSync(
    join(hostDir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2023",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: false,
        types: ["node"],
        outDir: ".",
      },
      files: ["host.ts"],
    }),
  );
}, 180_000);

afterAll(async () => {
  if (host !== undefined && host.exitCode === null) {
    const exited = new Promise((done) => host!.once("exit", done));
    host.kill("SIGTERM");
    await exited;
  }
  if (workDir !== "") rmSync(workDir, { recursive: true, force: true });
});

describe("a host app on the packed package", () => {
  it("type-checks under strict without skipLibCheck", () => {
    run(
      process.execPath,
      [TSC, "-p", join(workDir, "host", "tsconfig.json")],
      join(workDir, "host"),
    );
  }, 120_000);

  it("protects its route, excludes another, and signs in with a passkey", async () => {
    const hostDir = join(workDir, "host");
    const port = await freePort();
    const baseUrl = `http://localhost:${port}`;
    host = spawn(process.execPath, ["host.js"], {
      cwd: hostDir,
      stdio: ["ignore", "pipe", "inherit"],
      env: {
        ...process.env,
        HOST_PORT: String(port),
        // Issue 18 item 3: no TESSERA_PUBLIC_URL, as a host app author writes it; the host
        // passes its own address to loadConfig (the default, port 8000, answered 403 csrf).
        TESSERA_PUBLIC_URL: "",
        TESSERA_DATABASE_URL: join(workDir, "host.db"),
        TESSERA_DATA_DIR: workDir,
        TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"),
        ...TEST_ARGON2_ENV,
      },
    });
    const firstLine = await new Promise<string>((done, fail) => {
      createInterface({ input: host!.stdout! }).once("line", done);
      host!.once("exit", (code) => fail(new Error(`host exited with ${code}`)));
    });
    const { id } = JSON.parse(firstLine) as { id: string };

    // Browsers send Origin: the host's own address (createClient sends it on every write).
    const anonymous = createClient(baseUrl, baseUrl);
    expect((await anonymous.request("GET", "/public/hello")).body).toEqual({ hello: "world" });
    expect((await anonymous.request("GET", "/mine")).status).toBe(401);

    // Password first, then a passkey registered by the software authenticator.
    const client = createClient(baseUrl, baseUrl);
    const signIn = await client.request("POST", "/login", {
      json: { name: "host-user", password: "a good password 123" },
    });
    expect(signIn.headers.get("content-type") ?? "").toMatch(/json/);
    expect(signIn.body?.code ?? signIn.status).toBe(200);
    expect(signIn.body).toMatchObject({ name: "host-user", is_admin: true });
    const { authenticator } = await registerPasskey(client, id, {
      origin: baseUrl,
      name: "Host key",
    });

    // A new browser signs in with the passkey alone.
    const browser = createClient(baseUrl, baseUrl);
    const request = await browser.request("POST", "/login/passkey/options", { json: {} });
    const assertion = authenticator.createAssertion(request.body, { origin: baseUrl });
    const signedIn = await browser.request("POST", "/login/passkey", {
      json: { webauthn_response: assertion },
    });
    expect(signedIn.status).toBe(200);
    const mine = await browser.request("GET", "/mine");
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ name: "host-user", password_ok: true });
    expect(mine.body.events).toEqual(expect.arrayContaining(["passkey_added", "login_succeeded"]));
  }, 60_000);
});
