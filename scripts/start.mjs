#!/usr/bin/env node
// `npm start`: builds when dist/ is missing or older than the sources, then runs `tessera serve`.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const built = join(root, "dist", "cli.js");
const stale = !existsSync(built) || newest(join(root, "src")) > statSync(built).mtimeMs;
if (stale) {
  console.log("Building Tessera (npm run build)…");
  execSync("npm run build", { cwd: root, stdio: "inherit" });
}
const { runCli } = await import(pathToFileURL(built).href);
const code = await runCli(["serve", ...process.argv.slice(2)]);
if (code !== 0) process.exit(code);
