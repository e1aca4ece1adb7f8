/**
 * The README tells the truth (issue 18 items 1 and 9): no command it shows can reach the
 * registry's unrelated `tessera` package, its contents list matches its sections, and what it
 * says of the token lifetime and the https rule is what the code does.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_SESSION_IDLE_MINUTES } from "../src/config/index.js";
import { configProblems } from "./helpers/server.js";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The README's lines outside fenced code blocks. */
function proseLines(): string[] {
  let fenced = false;
  return README.split("\n").filter((line) => {
    if (line.startsWith("```")) fenced = !fenced;
    return !fenced;
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- ]/gu, "")
    .replaceAll(" ", "-");
}

function configurationRow(name: string): string {
  const row = README.split("\n").find((line) => line.startsWith(`| \`${name}\``));
  if (row === undefined) throw new Error(`no README row for ${name}`);
  return row;
}

describe("the README's commands", () => {
  it("never run `npx tessera` without --no-install (it would fetch the registry's `tessera`)", () => {
    // npx [options] tessera …, where no option is --no-install and the name is not tessera-auth.
    const risky = [...README.matchAll(/\bnpx((?:\s+--?[\w-]+(?:=\S+)?)*)\s+tessera(?![\w-])/g)]
      .filter((match) => !/--no-install\b/.test(match[1]!))
      .map((match) => match[0]);
    expect(risky).toEqual([]);
  });

  it("never install `tessera`, only `tessera-auth`", () => {
    const installs = [
      ...README.matchAll(/\bnpm\s+(?:install|i|add)\s+(?:-\S+\s+)*tessera(?![\w-])/g),
    ];
    expect(installs.map((match) => match[0])).toEqual([]);
    expect(README).toContain("npm install tessera-auth");
  });
});

describe("the README's contents list", () => {
  it("links every section and subsection, in order, to its heading", () => {
    const lines = proseLines();
    const start = lines.indexOf("**Contents**");
    expect(start).toBeGreaterThan(-1);
    const listed: string[] = [];
    for (const line of lines.slice(start + 1)) {
      if (line.startsWith("## ")) break;
      const entry = /^\s*- \[([^\]]+)\]\(#([^)]+)\)$/.exec(line);
      if (entry === null) continue;
      expect(entry[2], entry[1]).toBe(anchor(entry[1]!));
      listed.push(line.startsWith(" ") ? `### ${entry[1]}` : `## ${entry[1]}`);
    }
    const headings = lines.filter((line) => /^###? /.test(line));
    expect(listed).toEqual(headings);
  });
});

describe("the README's configuration table", () => {
  it("says a token and cookie carry the idle window, and the validity is the session's end", () => {
    const row = configurationRow("TESSERA_JWT_VALIDITY_HOURS");
    expect(row).not.toMatch(/\| token and cookie lifetime/);
    expect(row).toContain("`TESSERA_SESSION_IDLE_MINUTES`, 24 h");
    expect(DEFAULT_SESSION_IDLE_MINUTES / 60).toBe(24);
    expect(row).toMatch(/renewed while the session is used/);
  });

  it("names the loopback hosts that may stay http in production, as the configuration allows", () => {
    const row = configurationRow("TESSERA_PUBLIC_URL");
    expect(row).toContain("unless its host is loopback: `localhost`, `127.x.x.x` or `[::1]`");
    const httpsProblem = (url: string) =>
      configProblems({ NODE_ENV: "production", TESSERA_PUBLIC_URL: url }).filter((problem) =>
        problem.includes("must be https"),
      );
    for (const url of [
      "http://localhost:8000",
      "http://127.0.0.1:8000",
      "http://127.9.8.7",
      "http://[::1]:8000",
    ]) {
      expect(httpsProblem(url), url).toEqual([]);
    }
    for (const url of [
      "http://auth.example.com",
      "http://10.0.0.1:8000",
      "http://localhost.example",
    ]) {
      expect(httpsProblem(url), url).toHaveLength(1);
    }
    expect(httpsProblem("https://auth.example.com")).toEqual([]);
  });
});
