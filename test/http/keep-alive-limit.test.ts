/**
 * Issue 20 item 4: past `TESSERA_MAX_REQUESTS_PER_SOCKET` a connection is closed, never kept
 * open to answer 503s (Node's own limit did: 250,000 503s in one 10 s benchmark). A real
 * socket keeps sending after the budget, pipelined or one by one ignoring `Connection: close`:
 * it gets exactly the budget's real answers, the last saying `Connection: close`, then a closed
 * socket.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

const BUDGET = 3;
const REQUEST = "GET /healthz HTTP/1.1\r\nHost: tessera.test\r\n\r\n";

function open(server: TestServer): Promise<Socket> {
  const { port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

function statuses(answer: string): string[] {
  return [...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1] ?? "");
}

describe("the keep-alive request budget", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(): Promise<TestServer> {
    server = await startTestServer("sqlite", {
      env: { TESSERA_MAX_REQUESTS_PER_SOCKET: String(BUDGET) },
    });
    return server;
  }

  it("answers a pipelined burst past the budget with the budget's answers, then closes", async () => {
    const socket = await open(await start());
    const answer = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", () => undefined);
      socket.once("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
      socket.write(REQUEST.repeat(20));
    });
    expect(statuses(answer)).toEqual(Array.from({ length: BUDGET }, () => "200"));
    expect(answer.match(/connection: close/gi)).toHaveLength(1);
  });

  it("closes the socket of a client that ignores Connection: close and keeps sending", async () => {
    const socket = await open(await start());
    const answer = await new Promise<string>((resolve) => {
      let text = "";
      let answered = 0;
      socket.on("error", () => undefined);
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString("latin1");
        // Each complete answer is followed at once by the next request, whatever it said.
        while (statuses(text).length > answered) {
          answered += 1;
          if (!socket.destroyed) socket.write(REQUEST);
        }
      });
      socket.once("close", () => resolve(text));
      socket.write(REQUEST);
    });
    expect(statuses(answer)).toEqual(Array.from({ length: BUDGET }, () => "200"));
    expect(answer).not.toMatch(/ 503 /);
  });

  it("keeps serving on new connections after one reached its budget", async () => {
    const server = await start();
    for (let round = 0; round < 2; round++) {
      const socket = await open(server);
      const answer = await new Promise<string>((resolve) => {
        const chunks: Buffer[] = [];
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        socket.on("error", () => undefined);
        socket.once("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
        socket.write(REQUEST.repeat(BUDGET + 1));
      });
      expect(statuses(answer)).toEqual(Array.from({ length: BUDGET }, () => "200"));
    }
  });
});
