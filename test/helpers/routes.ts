/**
 * The shared setup of the route tests: `describeServer("users routes", (server) => { … })`
 * runs the body once per test dialect as "users routes on sqlite", "… on postgres", over one
 * test server (`startTestServer`: the real app, a fresh database, a frozen clock) started
 * before the block and closed after it. `server` stands for that server inside tests and hooks.
 */
import { afterAll, beforeAll } from "vitest";
import { startTestServer, type TestServer } from "./server.js";
import { describeStore } from "./store.js";

/** What `startTestServer` takes besides the dialect. */
export type DescribeServerOptions = NonNullable<Parameters<typeof startTestServer>[1]>;

/** `describe("<name> on <dialect>")` for every test dialect, with a test server running. */
export function describeServer(
  name: string,
  body: (server: TestServer) => void,
  options: DescribeServerOptions = {},
): void {
  describeStore(name, { database: false }, ({ dialect }) => {
    let started: TestServer | undefined;
    beforeAll(async () => {
      started = await startTestServer(dialect, options);
    });
    afterAll(async () => {
      await started?.close();
    });
    body(lazyServer(() => started));
  });
}

/** Forwards to the server once it is started (the body runs before `beforeAll`). */
function lazyServer(current: () => TestServer | undefined): TestServer {
  return new Proxy({} as TestServer, {
    get(_target, key) {
      const server = current();
      if (server === undefined) {
        throw new Error("the test server starts in beforeAll: use it inside tests and hooks");
      }
      return Reflect.get(server, key, server);
    },
  });
}
