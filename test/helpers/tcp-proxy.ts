/**
 * A TCP proxy the test controls, put between the app and PostgreSQL or Redis to cut the
 * connection without touching the shared services (issue 14 item 4): `refuse` (nothing
 * listens: connection refused, and open connections are reset), `stall` (connections stay open
 * but no byte moves either way, new ones included), `drop` (every open connection is reset
 * once; new ones work), `pass` (normal).
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export type ProxyMode = "pass" | "stall" | "refuse";

export interface TcpProxy {
  /** The port the app connects to, on 127.0.0.1 (kept across `refuse` and `pass`). */
  readonly port: number;
  setMode(mode: ProxyMode): Promise<void>;
  /** Resets every open connection (both sides). */
  drop(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `targetHost:targetPort` on a free port of 127.0.0.1, in `pass` mode. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket | null]>();
  let mode: ProxyMode = "pass";
  let port = 0;
  let server: Server | null = null;

  function wire(client: Socket): void {
    const pair: [Socket, Socket | null] = [client, null];
    pairs.add(pair);
    const forget = () => {
      pairs.delete(pair);
      client.destroy();
      pair[1]?.destroy();
    };
    client.on("error", forget);
    client.on("close", forget);
    const open = () => {
      const upstream = connect(targetPort, targetHost);
      pair[1] = upstream;
      upstream.on("error", forget);
      upstream.on("close", forget);
      client.pipe(upstream);
      upstream.pipe(client);
    };
    if (mode === "stall") {
      client.pause();
      stalled.push(open);
    } else {
      open();
    }
  }
  let stalled: Array<() => void> = [];

  async function listen(): Promise<void> {
    server = createServer(wire);
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    port = address.port;
  }

  async function unlisten(): Promise<void> {
    const current = server;
    server = null;
    if (current !== null) await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  function drop(): void {
    for (const [client, upstream] of pairs) {
      client.resetAndDestroy();
      upstream?.resetAndDestroy();
    }
    pairs.clear();
  }

  await listen();
  return {
    get port() {
      return port;
    },
    async setMode(next) {
      const previous = mode;
      mode = next;
      for (const [client, upstream] of pairs) {
        if (next === "stall") {
          client.pause();
          upstream?.pause();
        } else {
          client.resume();
          upstream?.resume();
        }
      }
      if (next !== "stall") {
        const waiting = stalled;
        stalled = [];
        for (const open of waiting) open();
      }
      if (next === "refuse" && previous !== "refuse") {
        drop();
        await unlisten();
      } else if (next !== "refuse" && previous === "refuse") {
        await listen();
      }
    },
    drop,
    async close() {
      drop();
      await unlisten();
    },
  };
}
