/**
 * `tessera clients …` (src/commands/clients.ts) as the operator runs it: the real command in a
 * child process, on a real database of each dialect. `--json` prints one JSON document and
 * nothing else; the secret is stored only as its digest, a rotation makes the old one useless,
 * a removal takes the client away; unknown ids and bad usage answer non-zero exit codes.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EXIT_USAGE, runCli } from "../../src/cli.js";
import { secretDigestBase64Url } from "../../src/core/secret-digest.js";
import { oidcClientSecretMatches } from "../../src/services/oidc/clients.js";
import { findOidcClient, listAuditEvents } from "../../src/store/index.js";
import { captureIo } from "../helpers/cli.js";
import { openTestDatabase, type TestDatabase } from "../helpers/database.js";
import { TEST_ARGON2_ENV } from "../helpers/server.js";
import { describeStore } from "../helpers/store.js";

interface Run {
  code: number;
  out: string;
  err: string;
}

describeStore("tessera clients", { database: false }, ({ dialect }) => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    dataDir = await mkdtemp(join(tmpdir(), "tessera-cli-"));
    env = { TESSERA_DATABASE_URL: database.url, TESSERA_DATA_DIR: dataDir, ...TEST_ARGON2_ENV };
  });
  afterAll(async () => {
    await database.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Runs `tessera clients ARGS` in a child process. */
  function tessera(...args: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "clients", ...args], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
    });
  }

  /** The one JSON document a `--json` run printed: exit code 0, one line, nothing on stderr. */
  function json(run: Run): unknown {
    expect(run, run.err).toMatchObject({ code: 0, err: "" });
    expect(run.out.endsWith("\n")).toBe(true);
    expect(run.out.trimEnd().split("\n")).toHaveLength(1);
    return JSON.parse(run.out);
  }

  // Each child process starts a Tessera (several seconds on a loaded 2-core machine): the
  // ones that can run side by side do.
  it("prints exactly the credentials with --json, in a real process, and exits 1 on a refusal", async () => {
    const [added, addedPublic] = await Promise.all([
      tessera(
        "add",
        "--name",
        "Wiki",
        "--redirect-uri",
        "https://wiki.example/callback",
        "--redirect-uri",
        "http://localhost:8080/callback",
        "--post-logout-redirect-uri",
        "https://wiki.example/bye",
        "--backchannel-logout-uri",
        "https://wiki.example/backchannel",
        "--first-party",
        "--json",
      ),
      tessera(
        "add",
        "--name",
        "Phone app",
        "--public",
        "--redirect-uri",
        "com.example.app:/callback",
        "--grant",
        "authorization_code",
        "--grant",
        "device_code",
        "--json",
      ),
    ]);
    const credentials = json(added) as Record<string, string>;
    expect(Object.keys(credentials)).toEqual(["client_id", "client_secret"]);
    const { client_id: clientId, client_secret: secret } = credentials as {
      client_id: string;
      client_secret: string;
    };
    expect(clientId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await findOidcClient(database.db, clientId);
    expect(stored).toMatchObject({
      name: "Wiki",
      firstParty: true,
      secretHash: secretDigestBase64Url(secret),
    });
    expect(stored!.metadata).toMatchObject({
      redirect_uris: ["https://wiki.example/callback", "http://localhost:8080/callback"],
      post_logout_redirect_uris: ["https://wiki.example/bye"],
      backchannel_logout_uri: "https://wiki.example/backchannel",
      backchannel_logout_session_required: true,
    });
    expect(JSON.stringify(stored!.metadata)).not.toContain(secret);

    const app = json(addedPublic) as Record<string, string>;
    expect(Object.keys(app)).toEqual(["client_id"]);
    expect(await findOidcClient(database.db, app.client_id!)).toMatchObject({
      secretHash: null,
      metadata: {
        application_type: "native",
        grant_types: ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"],
        token_endpoint_auth_method: "none",
      },
    });

    const [rotation, refused] = await Promise.all([
      tessera("rotate-secret", clientId, "--json"),
      tessera("add", "--name", "Bad", "--redirect-uri", "http://bad.example/cb", "--json"),
    ]);
    const rotated = json(rotation) as Record<string, string>;
    expect(Object.keys(rotated)).toEqual(["client_id", "client_secret"]);
    expect(rotated.client_id).toBe(clientId);
    expect(rotated.client_secret).not.toBe(secret);
    const digest = (await findOidcClient(database.db, clientId))!.secretHash;
    expect(oidcClientSecretMatches(digest, rotated.client_secret)).toBe(true);
    expect(oidcClientSecretMatches(digest, secret)).toBe(false);

    expect(refused).toMatchObject({ code: 1, out: "" });
    expect(refused.err).toMatch(/must use https/);
  }, 120_000);

  it("lists, rotates and removes clients, audited as the operator, never with a secret", async () => {
    const add = captureIo();
    expect(
      await runCli(
        ["clients", "add", "--name", "Blog", "--redirect-uri", "https://blog.example/cb"],
        env,
        add,
      ),
    ).toBe(0);
    expect(add.errors).toEqual([]);
    expect(add.lines.join("\n")).toMatch(/shown once/);
    const clientId = add.lines.map((l) => /^client_id: +(\S+)$/.exec(l)?.[1]).find(Boolean)!;
    const secret = add.lines.map((l) => /^client_secret: (\S+)$/.exec(l)?.[1]).find(Boolean)!;
    expect(await findOidcClient(database.db, clientId)).toMatchObject({
      secretHash: secretDigestBase64Url(secret),
    });
    const app = captureIo();
    expect(
      await runCli(
        ["clients", "add", "--name", "SPA", "--public", "--redirect-uri", "https://spa.example/cb"],
        env,
        app,
      ),
    ).toBe(0);
    expect(app.lines.join("\n")).not.toMatch(/client_secret/);
    const appId = app.lines.map((l) => /^client_id: +(\S+)$/.exec(l)?.[1]).find(Boolean)!;

    const listed = captureIo();
    expect(await runCli(["clients", "list", "--json"], env, listed)).toBe(0);
    expect(listed.lines).toHaveLength(1);
    const clients = JSON.parse(listed.lines[0]!) as Record<string, unknown>[];
    const ours = clients.filter((c) => [clientId, appId].includes(c.client_id as string));
    expect(ours.map((c) => [c.client_id, c.name, c.public])).toEqual([
      [clientId, "Blog", false],
      [appId, "SPA", true],
    ]);
    expect(listed.lines[0]).not.toMatch(/secret/);
    const text = captureIo();
    expect(await runCli(["clients", "list"], env, text)).toBe(0);
    expect(text.lines).toContain(
      `${clientId}  Blog  (confidential)  created ${ours[0]!.created_at as string}`,
    );
    expect(text.lines.join("\n")).not.toContain(secret);

    const rotation = captureIo();
    expect(await runCli(["clients", "rotate-secret", clientId], env, rotation)).toBe(0);
    const rotated = rotation.lines.map((l) => /^client_secret: (\S+)$/.exec(l)?.[1]).find(Boolean)!;
    expect(rotation.lines.join("\n")).toMatch(/old one no longer works/);
    const digest = (await findOidcClient(database.db, clientId))!.secretHash;
    expect(oidcClientSecretMatches(digest, rotated)).toBe(true);
    expect(oidcClientSecretMatches(digest, secret)).toBe(false);

    const removal = captureIo();
    expect(await runCli(["clients", "remove", clientId], env, removal)).toBe(0);
    expect(removal.lines).toEqual([
      `Removed the client Blog (${clientId}) and the consents people gave it.`,
    ]);
    expect(await findOidcClient(database.db, clientId)).toBeUndefined();

    const events = await listAuditEvents(database.db, {});
    const about = events.filter((e) => e.detail.client_id === clientId).reverse();
    expect(about.map((e) => [e.event, e.userId, e.actorId, e.detail.by])).toEqual([
      ["oidc_client_added", null, null, "operator"],
      ["oidc_client_secret_rotated", null, null, "operator"],
      ["oidc_client_removed", null, null, "operator"],
    ]);
    for (const value of [secret, rotated]) expect(JSON.stringify(events)).not.toContain(value);
  });

  it("answers an unknown id and a public client's rotation with exit code 1", async () => {
    for (const action of ["remove", "rotate-secret"]) {
      const io = captureIo();
      expect(await runCli(["clients", action, "no-such-client"], env, io)).toBe(1);
      expect(io.lines).toEqual([]);
      expect(io.errors).toEqual(['No client with id "no-such-client".']);
    }
    const app = captureIo();
    expect(
      await runCli(
        ["clients", "add", "--name", "TV", "--public", "--grant", "device_code", "--json"],
        env,
        app,
      ),
    ).toBe(0);
    const { client_id: appId } = JSON.parse(app.lines[0]!) as { client_id: string };
    const io = captureIo();
    expect(await runCli(["clients", "rotate-secret", appId, "--json"], env, io)).toBe(1);
    expect(io.lines).toEqual([]);
    expect(io.errors.join("\n")).toMatch(/public client has no secret/);
  });

  it("answers bad usage with exit code 2 and the usage", async () => {
    for (const args of [
      [],
      ["nope"],
      ["add"],
      ["add", "--redirect-uri", "https://a.example/cb"],
      ["add", "--name", "X", "extra"],
      ["add", "--name", "X", "--unknown"],
      ["list", "extra"],
      ["remove"],
      ["remove", "a", "b"],
      ["rotate-secret"],
      ["rotate-secret", "a", "--public"],
    ]) {
      const io = captureIo();
      expect(await runCli(["clients", ...args], env, io), args.join(" ")).toBe(EXIT_USAGE);
      expect(io.lines).toEqual([]);
      expect(io.errors.join("\n")).toContain("tessera clients add --name NAME");
    }
  });
});
