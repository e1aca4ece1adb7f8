/**
 * The published package works by its name: `import { … } from "tessera-auth"`.
 *
 * The test builds the library entry point with the repository's tsconfig.build.json into a
 * temporary package root (a copy of package.json, `dist/` from tsc, and a link to
 * node_modules for the runtime dependencies), then runs Node and tsc there. Node resolves
 * "tessera-auth" by package self-reference through the `exports` map of that package.json, exactly as
 * an installed copy would. Building into a temporary root leaves the repository's dist/ (which
 * `npm run build` and other helpers own) untouched and cannot pass on a stale build.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
let packageRoot = "";

function tsc(project: string): void {
  const run = spawnSync(process.execPath, [TSC, "-p", project], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`tsc -p ${project} failed:\n${run.stdout}${run.stderr}`);
}

beforeAll(() => {
  packageRoot = mkdtempSync(join(tmpdir(), "tessera-package-"));
  copyFileSync(join(ROOT, "package.json"), join(packageRoot, "package.json"));
  symlinkSync(join(ROOT, "node_modules"), join(packageRoot, "node_modules"), "dir");
  // tsconfig.build.json, limited to what the package's main entry imports.
  writeFileSync(
    join(packageRoot, "tsconfig.json"),
    JSON.stringify({
      extends: join(ROOT, "tsconfig.build.json"),
      compilerOptions: {
        rootDir: join(ROOT, "src"),
        outDir: join(packageRoot, "dist"),
        declarationMap: false,
        sourceMap: false,
      },
      include: [],
      files: [join(ROOT, "src", "index.ts")],
    }),
  );
  tsc(join(packageRoot, "tsconfig.json"));
}, 120_000);

afterAll(() => {
  if (packageRoot !== "") rmSync(packageRoot, { recursive: true, force: true });
});

const PROGRAM = `
import {
  hashPassword, verifyPassword, needsRehash, verifyPasswordDummy,
  createJwt, verifyJwt, verifyJwtClaims, createJwtKeyRing,
  generateTotpSecret, totpProvisioningUri, verifyTotp, generateTotp, matchTotpStep,
  DEFAULT_ARGON2_OPTIONS, InvalidPasswordHashError,
} from "tessera-auth";
const low = { memoryKib: 64, iterations: 1, parallelism: 1 };
const hash = await hashPassword("pässword", low);
const secret = "s".repeat(32);
const token = createJwt({ id: "1", name: "n", email: "e@example.org" }, 1, { secret });
const totp = generateTotpSecret();
let corrupt = null;
try { await verifyPassword("not a hash", "x"); } catch (error) { corrupt = error instanceof InvalidPasswordHashError; }
console.log(JSON.stringify({
  verified: await verifyPassword(hash, "pässword"),
  wrong: await verifyPassword(hash, "password"),
  rehash: needsRehash(hash, low),
  dummy: await verifyPasswordDummy("x", low),
  user: verifyJwt(token, { secret }),
  version: verifyJwtClaims(token, { keys: createJwtKeyRing(secret) })?.tokenVersion,
  uri: totpProvisioningUri(totp, "e@example.org", "Acme"),
  totp: verifyTotp(totp, generateTotp(totp)) && matchTotpStep(totp, "000000x") === null,
  defaults: DEFAULT_ARGON2_OPTIONS,
  corrupt,
}));
`;

const CONSUMER = `
import {
  hashPassword, verifyPassword, needsRehash, createJwt, verifyJwt,
  generateTotpSecret, totpProvisioningUri, verifyTotp,
  type Argon2Options, type JwtKeyRing, type JwtUser, type VerifyTotpOptions,
} from "tessera-auth";
const options: Argon2Options = { memoryKib: 64, iterations: 1, parallelism: 1 };
const hash: Promise<string> = hashPassword("pw", options);
const ok: Promise<boolean> = hash.then((h) => verifyPassword(h, "pw"));
const stale: boolean = needsRehash("$argon2id$…");
const user: JwtUser | null = verifyJwt(createJwt({ id: "1", name: "n", email: "e" }, 1));
const ring: JwtKeyRing | undefined = undefined;
const totp: VerifyTotpOptions = { window: 1, clock: () => Date.now(), afterStep: null };
const valid: boolean = verifyTotp(generateTotpSecret(), "123456", totp);
const uri: string = totpProvisioningUri("ABC", "e");
export { ok, stale, user, ring, valid, uri };
`;

describe("the built package", () => {
  it("imports from 'tessera-auth' by its name in Node and the functions work", () => {
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", PROGRAM], {
      cwd: packageRoot,
      encoding: "utf8",
    });
    const result = JSON.parse(output) as Record<string, unknown>;
    expect(result).toMatchObject({
      verified: true,
      wrong: false,
      rehash: false,
      dummy: false,
      user: { id: "1", name: "n", email: "e@example.org" },
      version: 0,
      totp: true,
      defaults: { memoryKib: 19456, iterations: 2, parallelism: 1 },
      corrupt: true,
    });
    expect(result.uri).toMatch(/^otpauth:\/\/totp\/Acme:e%40example\.org\?/);
  });

  it("type-checks a TypeScript consumer that imports from 'tessera-auth' (the emitted .d.ts)", () => {
    writeFileSync(join(packageRoot, "consumer.ts"), CONSUMER);
    writeFileSync(
      join(packageRoot, "tsconfig.consumer.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
        },
        files: ["consumer.ts"],
      }),
    );
    // package.json says "type": "module", so consumer.ts is an ES module resolved like Node does.
    tsc(join(packageRoot, "tsconfig.consumer.json"));
  }, 60_000);
});
