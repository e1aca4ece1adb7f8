/**
 * Races for the abuse tests (STYLE principle 21, "the worst interleaving is the test"): N
 * requests released together on N keep-alive connections opened beforehand, so no request waits
 * for a TCP handshake while the others run.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";

/** One request of a race. */
export interface RaceRequest {
  method: string;
  path: string;
  /** Sent as JSON, or as it is when a string (give its `content-type` in `headers`). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Another server than the race's (two instances sharing one store). */
  baseUrl?: string;
}

/** A finished request: its status and parsed JSON body (undefined when not JSON). */
export interface RaceAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
}

function send(agent: Agent, baseUrl: string, input: RaceRequest): Promise<RaceAnswer> {
  const url = new URL(input.path, baseUrl);
  const raw = typeof input.body === "string";
  const payload =
    input.body === undefined
      ? undefined
      : raw
        ? (input.body as string)
        : JSON.stringify(input.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: input.method,
        agent,
        headers: {
          ...(payload === undefined || raw ? {} : { "content-type": "application/json" }),
          ...input.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = text === "" ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * Opens `requests.length` connections to `baseUrl` (one `GET /healthz` each, all at once), then
 * sends every request in the same tick, one per connection, and returns the answers in order.
 */
export async function raceRequests(
  baseUrl: string,
  requests: readonly RaceRequest[],
): Promise<RaceAnswer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: requests.length });
  try {
    const warm = await Promise.all(
      requests.map((input) =>
        send(agent, input.baseUrl ?? baseUrl, { method: "GET", path: "/healthz" }),
      ),
    );
    if (warm.some((answer) => answer.status !== 200)) throw new Error("warm-up failed");
    return await Promise.all(requests.map((input) => send(agent, input.baseUrl ?? baseUrl, input)));
  } finally {
    agent.destroy();
  }
}

/** Answers by status: `{ 400: 5, 429: 95 }`. */
export function countStatuses(answers: readonly { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}
