/**
 * `GET /metrics` through a real server: off by default, open to the allowed addresses or the
 * bearer token, and its counters move with real requests, without names or addresses in labels.
 */
import { describe, expect, it } from "vitest";
import { describeServer } from "../helpers/routes.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** The value of one sample line (`name{labels} value`), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const TOKEN = "m".repeat(40);

describeServer(
  "metrics",
  (server) => {
    const scrape = async (s: TestServer = server) => {
      const response = await s.client().request("GET", "/metrics");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/plain");
      return response.text;
    };

    it("counts sign-ins by result and factor and requests by route, with no name in a label", async () => {
      const user = await server.createUser({ name: "metrics-visible-name" });
      const before = await scrape();
      await server.client().login(user.name, user.password);
      await server.client().request("POST", "/login", {
        json: { name: user.name, password: "wrong password!" },
      });
      await server.client().request("GET", `/users/${user.id}/2fa/webauthn`);
      const after = await scrape();

      const delta = (series: string) => sample(after, series) - sample(before, series);
      expect(delta('tessera_sign_ins_total{result="success",factor="password"}')).toBe(1);
      expect(delta('tessera_sign_ins_total{result="invalid_credentials",factor="password"}')).toBe(
        1,
      );
      expect(delta('tessera_http_requests_total{method="POST",route="/login",status="200"}')).toBe(
        1,
      );
      expect(
        delta(
          'tessera_http_requests_total{method="GET",route="/users/:id/2fa/webauthn",status="401"}',
        ),
      ).toBe(1);
      expect(
        delta(
          'tessera_http_request_duration_seconds_count{method="POST",route="/login",status="400"}',
        ),
      ).toBe(1);
      expect(after).toContain("process_cpu_user_seconds_total");
      expect(after).not.toContain("metrics-visible-name");
      expect(after).not.toContain(user.id);
      expect(after).not.toContain("127.0.0.1");
      if (server.dialect === "postgres") {
        expect(after).toMatch(/tessera_database_pool_connections\{state="total"\} [1-9]/);
      }
    });

    it("counts an empty two_fa_code as no factor, as the sign-in does", async () => {
      const user = await server.createUser({});
      const before = await scrape();
      const response = await server.client().request("POST", "/login", {
        json: { name: user.name, password: user.password, two_fa_code: "" },
      });
      expect(response.status).toBe(200);
      const after = await scrape();
      const delta = (series: string) => sample(after, series) - sample(before, series);
      expect(delta('tessera_sign_ins_total{result="success",factor="password"}')).toBe(1);
      expect(delta('tessera_sign_ins_total{result="success",factor="totp"}')).toBe(0);
    });

    it("counts throttled sign-ins as rate-limit refusals", async () => {
      const user = await server.createUser({});
      const before = await scrape();
      let status = 0;
      for (let i = 0; i < 5 && status !== 429; i += 1) {
        status = (
          await server.client().request("POST", "/login", {
            json: { name: user.name, password: "wrong password!" },
          })
        ).status;
      }
      expect(status).toBe(429);
      const after = await scrape();
      const delta = (series: string) => sample(after, series) - sample(before, series);
      expect(delta('tessera_rate_limit_refusals_total{route="/login"}')).toBe(1);
      expect(delta('tessera_sign_ins_total{result="throttled",factor="password"}')).toBe(1);
    });
  },
  { env: { TESSERA_METRICS: "true", TESSERA_LOGIN_ADDRESS_MAX_FAILURES: "2" } },
);

describe("metrics access", () => {
  it("is absent unless enabled", async () => {
    const server = await startTestServer("sqlite");
    try {
      // Unknown paths need a session first (401), then 404: either way, no metrics.
      const response = await server.client().request("GET", "/metrics");
      expect([401, 404]).toContain(response.status);
      expect(response.text).not.toContain("tessera_http_requests_total");
    } finally {
      await server.close();
    }
  });

  it("refuses an address outside the allow list unless the bearer token is sent", async () => {
    const server = await startTestServer("sqlite", {
      env: {
        TESSERA_METRICS: "true",
        TESSERA_METRICS_ALLOW: "10.0.0.0/8, 2001:db8::1",
        TESSERA_METRICS_TOKEN: TOKEN,
      },
    });
    try {
      const client = server.client();
      const refused = await client.request("GET", "/metrics");
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("permission_denied");
      const wrong = await client.request("GET", "/metrics", {
        headers: { authorization: `Bearer ${TOKEN}x` },
      });
      expect(wrong.status).toBe(403);
      const withToken = await client.request("GET", "/metrics", {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(withToken.status).toBe(200);
      expect(withToken.text).toContain("tessera_http_requests_total");
      // RFC 6750 §2.1: the scheme is case-insensitive, as on every other route.
      const lowercase = await client.request("GET", "/metrics", {
        headers: { authorization: `bearer  ${TOKEN}` },
      });
      expect(lowercase.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
