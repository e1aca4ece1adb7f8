/**
 * Issue 14 item 2, "no lock-out of a victim from afar": the fast lock is per account and client
 * address, a slower ceiling counts every address, and a browser with a device cookie for the
 * account (OWASP device cookies) is held only to its own failures. Addresses are varied through
 * X-Forwarded-For from a trusted proxy (the test's loopback).
 */
import { afterEach, expect, it } from "vitest";
import { DEVICE_COOKIE } from "../../../src/services/sign-in/device-cookie.js";
import { startTestServer, type TestClient, type TestServer } from "../../helpers/server.js";
import { describeStore } from "../../helpers/store.js";

const PROXIED = { TESSERA_TRUSTED_PROXIES: "127.0.0.1" };

describeStore("device cookies and the account ceiling", { database: false }, ({ dialect }) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function loginFrom(client: TestClient, address: string, name: string, password: string) {
    return client.request("POST", "/login", {
      json: { name, password },
      headers: { "x-forwarded-for": address },
    });
  }

  it("lets the right password in from address B while address A is locked out", async () => {
    server = await startTestServer(dialect, { env: PROXIED });
    const user = await server.createUser({});
    const attacker = server.client();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await loginFrom(attacker, "198.51.100.1", user.name, "wrong pass")).status);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429, 429, 429]);
    // The right password from the locked network still waits …
    expect((await loginFrom(attacker, "198.51.100.1", user.name, user.password)).status).toBe(429);
    // … but the owner, elsewhere, is not locked out by it.
    const owner = server.client();
    expect((await loginFrom(owner, "203.0.113.9", user.name, user.password)).status).toBe(200);
  });

  it("lets a browser with a device cookie in while a distributed attack trips the ceiling", async () => {
    server = await startTestServer(dialect, { env: PROXIED });
    const user = await server.createUser({});
    const victim = server.client();
    await loginFrom(victim, "203.0.113.9", user.name, user.password);
    expect(victim.cookies.get(DEVICE_COOKIE)).toMatch(/^[\w-]+\.[\w-]{22}\.[\w-]+$/);

    // 25 networks, 5 guesses each: the fast locks stop each one; the ceiling (100) trips.
    const attacker = server.client();
    for (let network = 0; network < 25; network++) {
      for (let i = 0; i < 5; i++) {
        await loginFrom(attacker, `198.51.${network}.1`, user.name, "wrong pass");
      }
    }
    const stranger = server.client();
    const refused = await loginFrom(stranger, "192.0.2.50", user.name, user.password);
    expect(refused.status).toBe(429);

    // The browser that signed in before gets in, from its network or another.
    expect((await loginFrom(victim, "203.0.113.9", user.name, user.password)).status).toBe(200);
    expect((await loginFrom(victim, "192.0.2.51", user.name, user.password)).status).toBe(200);

    // Copying the cookie to another account, or forging it, proves nothing.
    const other = await server.createUser({});
    const borrowed = server.client();
    await borrowed.login(other.name, other.password);
    const [encodedUser, device, mac] = victim.cookies.get(DEVICE_COOKIE)!.split(".") as [
      string,
      string,
      string,
    ];
    // A changed first character of the MAC (the last one also carries unused bits).
    const forged = `${mac.startsWith("A") ? "B" : "A"}${mac.slice(1)}`;
    borrowed.cookies.set(DEVICE_COOKIE, `${encodedUser}.${device}.${forged}`);
    borrowed.cookies.delete("token");
    expect((await loginFrom(borrowed, "192.0.2.52", user.name, user.password)).status).toBe(429);
  });

  it("locks a trusted browser after its own failures only", async () => {
    server = await startTestServer(dialect, { env: PROXIED });
    const user = await server.createUser({});
    const device = server.client();
    await loginFrom(device, "203.0.113.9", user.name, user.password);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await loginFrom(device, "203.0.113.9", user.name, "wrong pass")).status);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    expect((await loginFrom(device, "203.0.113.9", user.name, user.password)).status).toBe(429);
    // Another browser on the same network has its own (untouched) fast lock.
    expect((await loginFrom(server.client(), "203.0.113.9", user.name, user.password)).status).toBe(
      200,
    );
  });
});
