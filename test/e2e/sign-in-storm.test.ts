/**
 * A person signs in from a new browser during a storm (issue 20 item 5), in a real browser:
 * with the server's hashing gate saturated, the sign-in page is answered 429 with a proof-of-work
 * challenge, says "Checking your browser…", solves it with WebCrypto, sends the sign-in again,
 * and is served before the queue (the test frees one slot once it waits in the proven lane).
 */
import { describe, expect, it } from "vitest";
import type { HashGate } from "../../src/services/abuse/hash-gate.js";
import { waitFor } from "../helpers/wait.js";
import { skipBrowserTests, submitCredentials, useE2e } from "./helpers.js";

const USER = { name: "dana", email: "dana@example.org", password: "quiet harbour lantern 42" };

describe.skipIf(skipBrowserTests())("signing in during a storm", () => {
  const e2e = useE2e({ users: [USER], tabs: ["fresh"] });
  const { fresh } = e2e.tabs;

  it("solves the challenge by itself and signs in ahead of the queue", async () => {
    const gate = e2e.server.app.tessera.hashGate as HashGate;
    // Every slot held and the default lane's queue full: the server is under pressure.
    const releases: Array<() => void> = [];
    const holds: Array<Promise<void>> = [];
    const hold = () =>
      holds.push(
        gate
          .run("default", () => new Promise<void>((resolve) => releases.push(resolve)))
          .catch(() => undefined),
      );
    while (gate.pressure < 1) hold();
    const slots = gate.active;
    const queued = gate.queued;
    try {
      const { page } = fresh;
      const asked = page.waitForResponse((r) => r.url().endsWith("/login") && r.status() === 429);
      await page.goto("/");
      // Every text the message line shows (the note may be brief: a lucky solve is quick).
      await page.evaluate(() => {
        const line = document.getElementById("sign-in-message")!;
        const shown: string[] = [];
        (window as unknown as { shown: string[] }).shown = shown;
        new MutationObserver(() => shown.push(line.textContent ?? "")).observe(line, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      await submitCredentials(page, USER.name, USER.password);
      expect(await (await asked).json()).toMatchObject({ code: "proof_of_work_required" });
      // The solved sign-in waits in its own lane; one slot is freed for it.
      await waitFor(() => gate.queued === queued + 1, { giveUpMs: 60_000 });
      expect(await page.evaluate(() => (window as unknown as { shown: string[] }).shown)).toContain(
        "Checking your browser…",
      );
      releases.shift()?.();
      await page.waitForURL("**/account");
      expect(gate.active + gate.queued).toBe(slots + queued - 1);
    } finally {
      // Each held task that starts pushes its release: free them until none is left.
      while (gate.active + gate.queued > 0 || releases.length > 0) {
        releases.shift()?.();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(holds);
    }
  });
});
