/**
 * Issue 14 item 5, slow clients: a body that stalls is cut when the request timeout passes and
 * its connection (and buffers) released; stalled headers likewise; connections past the cap are
 * closed at accept; keep-alive connections end after their request budget. Short timeouts are
 * configured (1 s); the assertions wait for the server's own action, they never measure time.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

const SHORT = {
  TESSERA_REQUEST_TIMEOUT_SECONDS: "1",
  TESSERA_HEADERS_TIMEOUT_SECONDS: "1",
};

function open(server: TestServer): Promise<Socket> {
  const { port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Everything the server sent until it closed the connection. */
function untilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.once("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
  });
}

function connections(server: TestServer): Promise<number> {
  return new Promise((resolve, reject) =>
    server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

describe("slow clients", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("cuts a request whose body stalls, answering 408, and releases the connection", async () => {
    server = await startTestServer("sqlite", { env: SHORT });
    const socket = await open(server);
    const closed = untilClosed(socket);
    // 60 KB announced, 1 KB sent, then nothing.
    socket.write(
      "POST /login HTTP/1.1\r\nHost: tessera.test\r\nContent-Type: application/json\r\n" +
        `Content-Length: ${60 * 1024}\r\n\r\n{"name":"${"a".repeat(1000)}`,
    );
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(await connections(server)).toBe(0);
  });

  it("cuts a request whose headers stall", async () => {
    server = await startTestServer("sqlite", { env: SHORT });
    const socket = await open(server);
    const closed = untilClosed(socket);
    socket.write("GET /healthz HTTP/1.1\r\nHost: tessera.test\r\nX-Slow: ");
    expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
    expect(await connections(server)).toBe(0);
  });

  it("closes connections past the cap at once and serves the others", async () => {
    server = await startTestServer("sqlite", { env: { TESSERA_MAX_CONNECTIONS: "2" } });
    const first = await open(server);
    const second = await open(server);
    // Both accepted before the third arrives.
    while ((await connections(server)) < 2) await new Promise((r) => setTimeout(r, 10));
    const third = await open(server);
    expect(await untilClosed(third)).toBe("");
    const answer = untilClosed(first);
    first.end("GET /healthz HTTP/1.1\r\nHost: tessera.test\r\nConnection: close\r\n\r\n");
    expect(await answer).toMatch(/^HTTP\/1\.1 200 /);
    second.destroy();
  });

  it("ends a keep-alive connection after its request budget", async () => {
    server = await startTestServer("sqlite", {
      env: { TESSERA_MAX_REQUESTS_PER_SOCKET: "2", TESSERA_KEEP_ALIVE_TIMEOUT_SECONDS: "1" },
    });
    const socket = await open(server);
    const closed = untilClosed(socket);
    const request = "GET /healthz HTTP/1.1\r\nHost: tessera.test\r\n\r\n";
    socket.write(request + request);
    const answer = await closed;
    expect(answer.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(answer).toMatch(/connection: close/i);
  });
});
