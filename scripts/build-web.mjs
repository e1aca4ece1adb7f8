#!/usr/bin/env node
// Builds the pages a person uses (`npm run build` runs it after tsc): esbuild bundles every
// src/web/client/*.ts (with @simplewebauthn/browser and qrcode) and src/web/styles.css into
// content-hashed files, and writes the pages of src/web/pages/, each put in the one layout of
// src/web/layout/ (see `assemblePage`), with their asset references pointing at the hashed
// names. Output (default dist/web/):
//   assets/<name>-<hash>.js|css   long-cacheable (the name changes when the content does)
//   <page>.html                    the pages
//   manifest.json                  what src/http/routes/pages.ts serves
// Usage: node scripts/build-web.mjs [--outdir DIR]
// The new build is written beside the old one and swapped in with one rename, so a running
// server never sees half a build.
import { build } from "esbuild";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const sourceDir = join(root, "src", "web");
/** Browsers the bundles target: those with passkeys (WebAuthn L2) and ES2020. */
const TARGETS = ["es2020", "chrome109", "firefox115", "safari15.4", "edge109"];
/** Manifest format version, read by the pages plugin. */
const MANIFEST_VERSION = 1;

function parseArgs(argv) {
  let outdir = join(root, "dist", "web");
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--outdir" && argv[i + 1] !== undefined) outdir = resolve(argv[++i]);
    else throw new Error(`build-web: unknown argument ${argv[i]} (usage: [--outdir DIR])`);
  }
  return { outdir };
}

/** The page's settings at the top of a page template: `<!-- layout`, `key: value` lines, `-->`. */
const LAYOUT_SETTINGS = /^<!-- layout\n((?: {2}[a-z]+: .*\n)*)-->\n/;
/**
 * The settings a page must give, and those it may: a header of src/web/layout/, and the message
 * prefixes its script needs. Values may hold `{{t:key}}`, which the server fills per language.
 */
const REQUIRED_SETTINGS = ["title", "referrer", "skip"];
const OPTIONAL_SETTINGS = ["header", "messages"];

/**
 * A page of src/web/pages/ in the layout every page shares (src/web/layout/page.html), so the
 * head and the headers are written once. A page template is its settings, then what follows
 * the header in `<body>`:
 *   <!-- layout
 *     title: Sign in                    the <title> before " · Tessera" (which pages.ts brands)
 *     referrer: same-origin             the page's referrer policy
 *     skip: Skip to the sign-in form    the skip link's words
 *     header: public                    src/web/layout/header-<name>.html; without it, the
 *   -->                                 page writes its own header
 *   <main id="main">...</main>
 * Values are HTML, put in as they are; the script is /assets/<page>.js. The header's link to
 * the page itself gets `aria-current="page"`. A setting or slot the layout does not know fails
 * the build.
 */
function assemblePage(template) {
  const source = readFileSync(join(sourceDir, "pages", template), "utf8");
  const match = LAYOUT_SETTINGS.exec(source);
  if (match === null) {
    throw new Error(`build-web: ${template} does not start with its <!-- layout ... --> settings`);
  }
  const page = basename(template, ".html");
  // `messages`: the prefixes of the catalogue keys the page's script formats, besides
  // `common.` (src/http/locale.ts puts them in the page's language data).
  const settings = { page, messages: "" };
  for (const line of match[1].split("\n").filter((each) => each !== "")) {
    const [, key, value] = /^ {2}([a-z]+): (.*)$/.exec(line);
    if (![...REQUIRED_SETTINGS, ...OPTIONAL_SETTINGS].includes(key)) {
      throw new Error(`build-web: ${template} has an unknown layout setting ${key}`);
    }
    settings[key] = value;
  }
  const missing = REQUIRED_SETTINGS.find((key) => settings[key] === undefined);
  if (missing !== undefined) throw new Error(`build-web: ${template} has no layout ${missing}`);

  const header =
    settings.header === undefined
      ? ""
      : readFileSync(join(sourceDir, "layout", `header-${settings.header}.html`), "utf8").replace(
          `<a href="/${page}"`,
          (link) => `${link} aria-current="page"`,
        );
  // Header and body go in at the indentation of their slot comment, which they replace.
  const indented = (html, indent) =>
    html
      .replace(/\n$/, "")
      .split("\n")
      .map((line) => (line === "" ? line : indent + line))
      .join("\n");
  const blocks = { header, body: source.slice(match[0].length) };
  // The settings first, so that nothing in a header or a body is taken for a slot.
  return readFileSync(join(sourceDir, "layout", "page.html"), "utf8")
    .replace(/\{\{([a-z]+)\}\}/g, (slot, key) => {
      if (settings[key] === undefined) {
        throw new Error(`build-web: no value for ${slot} in ${template}`);
      }
      return settings[key];
    })
    .replace(/^( *)<!-- (header|body) -->\n/gm, (_slot, indent, name) =>
      blocks[name] === "" ? "" : `${indented(blocks[name], indent)}\n`,
    );
}

export async function buildWeb({ outdir }) {
  const staging = `${outdir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, "assets"), { recursive: true });

  const clientDir = join(sourceDir, "client");
  const entryPoints = {};
  for (const file of readdirSync(clientDir)) {
    if (file.endsWith(".ts") && !file.endsWith(".d.ts")) {
      entryPoints[basename(file, ".ts")] = join(clientDir, file);
    }
  }
  entryPoints.styles = join(sourceDir, "styles.css");

  const result = await build({
    entryPoints,
    outdir: join(staging, "assets"),
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: TARGETS,
    minify: true,
    sourcemap: false,
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
    absWorkingDir: root,
  });

  // Logical name ("sign-in.js", "styles.css") → hashed file name.
  const assets = {};
  const files = {};
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    const file = basename(output);
    files[file] = { bytes: meta.bytes };
    if (meta.entryPoint !== undefined) {
      const name = basename(meta.entryPoint).replace(/\.ts$/, ".js");
      assets[name] = file;
    }
  }

  const pages = {};
  for (const template of readdirSync(join(sourceDir, "pages"))) {
    if (!template.endsWith(".html")) continue;
    const html = assemblePage(template).replace(
      /(src|href)="\/assets\/([^"]+)"/g,
      (_match, attribute, name) => {
        const hashed = assets[name];
        if (hashed === undefined) {
          throw new Error(`build-web: ${template} refers to /assets/${name}, which is not built`);
        }
        return `${attribute}="/assets/${hashed}"`;
      },
    );
    // The pages must load nothing from elsewhere.
    const external = /\b(?:src|href|action)="(?!\/(?!\/)|#|data:)[^"]*"/.exec(html);
    if (external !== null) {
      throw new Error(`build-web: ${template} refers outside the server: ${external[0]}`);
    }
    writeFileSync(join(staging, template), html);
    pages[basename(template, ".html")] = template;
  }

  const manifest = {
    version: MANIFEST_VERSION,
    builtAt: new Date().toISOString(),
    pages,
    assets,
    files,
  };
  writeFileSync(join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

  // Swap in the new build: a rename is atomic; the old one is removed after. Two builds at
  // once (two test runs) may race for the name: the loser moves the winner's aside and retries.
  const old = `${outdir}.old-${process.pid}`;
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (existsSync(outdir)) renameSync(outdir, `${old}-${attempt}`);
      renameSync(staging, outdir);
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    rmSync(`${old}-${attempt}`, { recursive: true, force: true });
  }
  return manifest;
}

const isMain =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { outdir } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const manifest = await buildWeb({ outdir });
  const total = Object.values(manifest.files).reduce((sum, file) => sum + file.bytes, 0);
  console.log(
    `Built the web pages into ${relative(process.cwd(), outdir) || "."} ` +
      `(${Object.keys(manifest.pages).length} pages, ${Object.keys(manifest.files).length} assets, ` +
      `${(total / 1024).toFixed(1)} KiB) in ${Date.now() - started} ms`,
  );
}
