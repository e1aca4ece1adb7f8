/**
 * The page turns of src/http/paging.ts (issue 25 item 5): each step of a page (the read, then
 * the serialisation) waits for a turn of the event loop of its own, one step a turn, so timers
 * and I/O run between two pages even when every page is synchronous (SQLite) and the requests
 * arrive in the same turn, each in its own callback, as they do from a socket.
 */
import { describe, expect, it } from "vitest";
import { nextPageTurn } from "../../src/http/paging.js";

/** Counts turns of the event loop (check phases) until stopped. */
function turnCounter(): { turn(): number; stop(): void } {
  let turns = 0;
  let stopped = false;
  const tick = () => {
    turns += 1;
    if (!stopped) setImmediate(tick);
  };
  setImmediate(tick);
  return { turn: () => turns, stop: () => (stopped = true) };
}

describe("the page turns", () => {
  it("runs one page a turn when the requests arrive in one turn, each in its own callback", async () => {
    const counter = turnCounter();
    const turns: number[] = [];
    // Eight synchronous pages started from eight callbacks of one turn, as eight requests
    // read from eight sockets in one poll phase would.
    const pages = await new Promise<Promise<number>[]>((resolve) => {
      const started: Promise<number>[] = [];
      for (let i = 0; i < 8; i += 1) {
        setImmediate(() => {
          started.push(
            nextPageTurn().then(() => {
              turns.push(counter.turn());
              return i;
            }),
          );
          if (started.length === 8) resolve(started);
        });
      }
    });
    expect(await Promise.all(pages)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    counter.stop();
    // Exactly one page in each turn: every turn count differs from the one before.
    expect(new Set(turns).size).toBe(8);
    expect(turns).toEqual([...turns].sort((a, b) => a - b));
  });

  it("lets a timer that is due run between two waiting pages", async () => {
    const order: string[] = [];
    // Pages that compute for 2 ms each (no await). The first page sets a 0 ms timer (1 ms in
    // Node) and then computes past it, so the timer is due before the second page's turn,
    // whatever the machine's speed: it must run there, not after every page.
    const pages = Array.from({ length: 5 }, (_, i) =>
      nextPageTurn().then(() => {
        if (i === 0) setTimeout(() => order.push("timer"), 0);
        const until = performance.now() + 2;
        while (performance.now() < until);
        order.push(`page ${i}`);
      }),
    );
    await Promise.all(pages);
    expect(order.indexOf("timer")).toBe(1);
  });

  it("goes on after a page that fails", async () => {
    const failing = Array.from({ length: 3 }, () =>
      nextPageTurn().then(() => {
        throw new Error("database down");
      }),
    );
    expect((await Promise.allSettled(failing)).every((r) => r.status === "rejected")).toBe(true);
    await expect(nextPageTurn().then(() => "still open")).resolves.toBe("still open");
  });
});
