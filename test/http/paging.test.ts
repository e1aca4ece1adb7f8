/**
 * The page gate of src/http/paging.ts (issue 25 item 5): at most MAX_CONCURRENT_PAGES pages
 * are built at once, every waiting page is built in the end, and the event loop gets a turn
 * (I/O, timers) between two pages instead of after all of them.
 */
import { describe, expect, it } from "vitest";
import { MAX_CONCURRENT_PAGES, inPageGate } from "../../src/http/paging.js";

describe("the page gate", () => {
  it("builds exactly MAX_CONCURRENT_PAGES pages at once and every page in the end", async () => {
    let running = 0;
    let most = 0;
    const done = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        inPageGate(async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setImmediate(resolve));
          running -= 1;
          return i;
        }),
      ),
    );
    expect(most).toBe(MAX_CONCURRENT_PAGES);
    expect(done).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it("lets the event loop run between two waiting pages (a page that only computes)", async () => {
    const order: string[] = [];
    // Pages that never await: without the hand-over through setImmediate, all of them would
    // run one after another in microtasks before any macrotask.
    const pages = Array.from({ length: MAX_CONCURRENT_PAGES + 3 }, (_, i) =>
      inPageGate(async () => {
        order.push(`page ${i}`);
      }),
    );
    setImmediate(() => order.push("other work"));
    await Promise.all(pages);
    const other = order.indexOf("other work");
    expect(other).toBeGreaterThan(0);
    expect(other).toBeLessThan(order.length - 1);
  });

  it("passes the place on when a page fails", async () => {
    const failing = Array.from({ length: MAX_CONCURRENT_PAGES + 2 }, () =>
      inPageGate(async () => {
        throw new Error("database down");
      }),
    );
    expect((await Promise.allSettled(failing)).every((r) => r.status === "rejected")).toBe(true);
    expect(await inPageGate(async () => "still open")).toBe("still open");
  });
});
