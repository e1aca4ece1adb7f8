/**
 * Mandatory second factor (issue 11 item 3): with `TESSERA_REQUIRE_2FA`, a covered user who has
 * neither TOTP nor a passkey reaches only `/me`, enrolment, the password change,
 * re-authentication and sign-out, whatever way they signed in. The matrix: for each sign-in path,
 * a representative set of closed routes (403 `two_fa_enrolment_required`) and every open one.
 * The table it prints is the one in the report.
 */
import { afterAll, expect, it } from "vitest";
import { createJwt } from "../../../src/core/jwt/index.js";
import { generateTotp } from "../../../src/core/totp.js";
import { describeServer } from "../../helpers/routes.js";
import {
  TEST_ORIGIN,
  type TestClient,
  type TestResponse,
  type TestServer,
} from "../../helpers/server.js";
import { SoftAuthenticator } from "../../helpers/soft-authenticator.js";

type CreatedUser = Awaited<ReturnType<TestServer["createUser"]>>;
type Send = (method: string, path: string, json?: unknown) => Promise<TestResponse>;

interface Probe {
  label: string;
  /** The route needs a recent authentication too (src/http/route-policy.ts). */
  sensitive?: true;
  method: string;
  path: (self: string, other: string) => string;
  json?: (user: CreatedUser) => unknown;
}

/** Closed to a user who owes a second factor (a representative set: reads, writes, admin). */
const CLOSED: readonly Probe[] = [
  { label: "GET /users", method: "GET", path: () => "/users" },
  { label: "GET /users/{self}/sessions", method: "GET", path: (s) => `/users/${s}/sessions` },
  { label: "GET /users/{self}/2fa/totp", method: "GET", path: (s) => `/users/${s}/2fa/totp` },
  {
    label: "GET /users/{self}/2fa/webauthn",
    method: "GET",
    path: (s) => `/users/${s}/2fa/webauthn`,
  },
  { label: "GET /users/{self}/audit", method: "GET", path: (s) => `/users/${s}/audit` },
  { label: "GET /audit (admin)", method: "GET", path: () => "/audit" },
  { label: "POST /token/access", method: "POST", path: () => "/token/access", json: () => ({}) },
  {
    label: "POST /users/create (admin)",
    method: "POST",
    path: () => "/users/create",
    json: () => ({ name: "newcomer", email: "newcomer@example.org", password: "x".repeat(12) }),
  },
  {
    label: "POST /users/{other}/2fa/totp/setup",
    method: "POST",
    path: (_s, o) => `/users/${o}/2fa/totp/setup`,
    json: () => ({}),
  },
  {
    label: "POST /users/{self}/sessions/end-others",
    method: "POST",
    path: (s) => `/users/${s}/sessions/end-others`,
    json: () => ({}),
  },
  { label: "DELETE /users/{self}", method: "DELETE", path: (s) => `/users/${s}` },
];

/** Open to them (in this order: re-authentication can replace a seed token's cookie). */
const OPEN: readonly Probe[] = [
  { label: "GET /me", method: "GET", path: () => "/me" },
  {
    label: "POST /password/strength",
    method: "POST",
    path: () => "/password/strength",
    json: () => ({ password: "correct horse battery staple" }),
  },
  {
    label: "POST /users/{self}/2fa/totp/setup",
    sensitive: true,
    method: "POST",
    path: (s) => `/users/${s}/2fa/totp/setup`,
    json: () => ({}),
  },
  {
    label: "POST /users/{self}/2fa/webauthn/register/options",
    sensitive: true,
    method: "POST",
    path: (s) => `/users/${s}/2fa/webauthn/register/options`,
    json: () => ({}),
  },
  {
    label: "POST /reauthenticate",
    method: "POST",
    path: () => "/reauthenticate",
    json: (u) => ({ password: u.password }),
  },
];

/** One row of the printed matrix: sign-in path → what each probe answered. */
const matrix = new Map<string, Map<string, string>>();

function cell(response: TestResponse): string {
  return response.status === 403 ? `403 ${String(response.body?.code)}` : String(response.status);
}

/**
 * Sends every probe as `user` and asserts: closed ones 403 `two_fa_enrolment_required`, open
 * ones 200 (`/me` saying enrolment is owed), but the sensitive ones 403
 * `reauthentication_required` when the session has no recent authentication (a seed token).
 */
async function assertGated(
  row: string,
  send: Send,
  user: CreatedUser,
  other: CreatedUser,
  options: { recentAuthentication?: boolean } = {},
): Promise<void> {
  const cells = new Map<string, string>();
  matrix.set(row, cells);
  for (const probe of CLOSED) {
    const response = await send(probe.method, probe.path(user.id, other.id), probe.json?.(user));
    cells.set(probe.label, cell(response));
    expect(response.status, `${row}: ${probe.label}`).toBe(403);
    expect(response.body.code, `${row}: ${probe.label}`).toBe("two_fa_enrolment_required");
  }
  for (const probe of OPEN) {
    const response = await send(probe.method, probe.path(user.id, other.id), probe.json?.(user));
    cells.set(probe.label, cell(response));
    if (probe.sensitive === true && options.recentAuthentication === false) {
      expect(response.body.code, `${row}: ${probe.label}`).toBe("reauthentication_required");
      continue;
    }
    expect(response.status, `${row}: ${probe.label} ${response.text}`).toBe(200);
    if (probe.label === "GET /me") expect(response.body.two_fa_enrolment_required).toBe(true);
  }
}

/** Sends as the client's cookie session (or the given Bearer token). */
function sender(client: TestClient, bearer?: () => string): Send {
  return (method, path, json) =>
    client.request(method, path, {
      ...(json === undefined ? {} : { json }),
      ...(bearer === undefined
        ? {}
        : { headers: { authorization: `Bearer ${bearer()}` }, origin: null }),
    });
}

async function registerPasskey(
  client: TestClient,
  userId: string,
): Promise<{ authenticator: SoftAuthenticator; credentialId: string }> {
  const authenticator = new SoftAuthenticator();
  const options = await client.request("POST", `/users/${userId}/2fa/webauthn/register/options`, {
    json: {},
  });
  const stored = await client.request("POST", `/users/${userId}/2fa/webauthn/register/verify`, {
    json: {
      response: authenticator.createAttestation(options.body, { origin: TEST_ORIGIN }),
      name: "k",
    },
  });
  expect(stored.status).toBe(200);
  return { authenticator, credentialId: stored.body.id as string };
}

describeServer(
  "TESSERA_REQUIRE_2FA=all",
  (server) => {
    // Admins: the closed set includes admin powers, which the gate must hold back too.
    const covered = () => server.createUser({ isAdmin: true });
    const bystander = () => server.createUser({});

    afterAll(() => {
      if (server.dialect !== "sqlite") return;
      const columns = [...CLOSED, ...OPEN].map((p) => p.label);
      const lines = [
        `| sign-in path | ${columns.join(" | ")} |`,
        `| --- | ${columns.map(() => "---").join(" | ")} |`,
        ...[...matrix].map(
          ([row, cells]) => `| ${row} | ${columns.map((c) => cells.get(c) ?? "").join(" | ")} |`,
        ),
      ];
      console.log(`require-2fa matrix (TESSERA_REQUIRE_2FA=all):\n${lines.join("\n")}`);
    });

    it("password (cookie): only enrolment", async () => {
      const user = await covered();
      const client = server.client();
      const login = await client.login(user.name, user.password);
      expect(login.status).toBe(200);
      await assertGated("password (cookie)", sender(client), user, await bystander());
      expect((await client.request("POST", "/logout", { json: {} })).status).toBe(200);
    });

    it("password through POST /token (Bearer): only enrolment", async () => {
      const user = await covered();
      const client = server.client();
      const issued = await client.request("POST", "/token", {
        json: { name: user.name, password: user.password },
        origin: null,
      });
      expect(issued.status).toBe(200);
      const token = issued.body.access_token as string;
      await assertGated(
        "password, POST /token (Bearer)",
        sender(client, () => token),
        user,
        await bystander(),
      );
    });

    it("a seed token (no sid): only enrolment", async () => {
      const user = await covered();
      const seed = createJwt({ ...user, tokenVersion: user.tokenVersion }, 1, {
        keys: server.config.jwtKeys,
        clock: server.clock,
      });
      const client = server.client();
      client.cookies.set("token", seed);
      // A seed token carries no authentication time: enrolment needs POST /reauthenticate first.
      await assertGated("seed token (no sid)", sender(client), user, await bystander(), {
        recentAuthentication: false,
      });
      const enrolled = await client.request("POST", `/users/${user.id}/2fa/totp/setup`, {
        json: {},
      });
      expect(enrolled.status).toBe(200);
    });

    it("password change at first sign-in: the change, then only enrolment", async () => {
      const user = await server.createUser({ isAdmin: true, mustChangePassword: true });
      const other = await bystander();
      const client = server.client();
      await client.login(user.name, user.password);
      // Before the change, the password change rule answers first.
      const before = await client.request("GET", "/users");
      expect(before.body.code).toBe("password_change_required");
      // A route the password change allows but enrolment does not stays closed.
      const sessions = await client.request("GET", `/users/${user.id}/sessions`);
      expect(sessions.body.code).toBe("two_fa_enrolment_required");
      const changed = await client.request("PATCH", `/users/${user.id}/password/change`, {
        json: { old_password: user.password, new_password: "a brand new passphrase 42" },
      });
      expect(changed.status).toBe(200);
      await assertGated(
        "password change at first sign-in",
        sender(client),
        { ...user, password: "a brand new passphrase 42" },
        other,
      );
    });

    it("passwordless passkey: full access while enrolled; the last factor removed closes the same session", async () => {
      const user = await covered();
      const other = await bystander();
      const enrolling = server.client();
      await enrolling.login(user.name, user.password);
      const { authenticator, credentialId } = await registerPasskey(enrolling, user.id);
      // Enrolled: the same session is no longer held back.
      expect((await enrolling.request("GET", "/users")).status).toBe(200);

      const client = server.client();
      const options = await client.request("POST", "/login/passkey/options", { json: {} });
      const signedIn = await client.request("POST", "/login/passkey", {
        json: {
          webauthn_response: authenticator.createAssertion(options.body, { origin: TEST_ORIGIN }),
        },
      });
      expect(signedIn.status).toBe(200);
      const me = await client.request("GET", "/me");
      expect(me.body.two_fa_enrolment_required).toBe(false);
      for (const probe of CLOSED.slice(0, 6)) {
        const response = await client.request(probe.method, probe.path(user.id, other.id));
        expect(response.status, probe.label).toBe(200);
      }
      const removed = await client.request(
        "DELETE",
        `/users/${user.id}/2fa/webauthn/${credentialId}`,
      );
      expect(removed.status).toBe(200);
      await assertGated(
        "passwordless passkey, then its passkey removed",
        sender(client),
        user,
        other,
      );
    });

    it("TOTP enrolled while held back opens the session; disabling it closes it again", async () => {
      const user = await covered();
      const client = server.client();
      await client.login(user.name, user.password);
      expect((await client.request("GET", "/users")).body.code).toBe("two_fa_enrolment_required");
      const setup = await client.request("POST", `/users/${user.id}/2fa/totp/setup`, { json: {} });
      const code = generateTotp(setup.body.secret, { clock: server.clock });
      const confirmed = await client.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
        json: { code },
      });
      expect(confirmed.status).toBe(200);
      expect((await client.request("GET", "/users")).status).toBe(200);
      expect((await client.request("GET", "/me")).body.two_fa_enrolment_required).toBe(false);

      server.clock.advance(30_000);
      const disabled = await client.request("POST", `/users/${user.id}/2fa/totp/disable`, {
        json: { code: generateTotp(setup.body.secret, { clock: server.clock }) },
      });
      expect(disabled.status).toBe(200);
      await assertGated(
        "password + TOTP, then TOTP disabled",
        sender(client),
        user,
        await bystander(),
      );
    });

    it("recovery code: full access while TOTP is enrolled; disabling TOTP closes the same session", async () => {
      const user = await covered();
      const other = await bystander();
      const enrolling = server.client();
      await enrolling.login(user.name, user.password);
      const setup = await enrolling.request("POST", `/users/${user.id}/2fa/totp/setup`, {
        json: {},
      });
      const confirmed = await enrolling.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
        json: { code: generateTotp(setup.body.secret, { clock: server.clock }) },
      });
      expect(confirmed.status).toBe(200);
      const made = await enrolling.request("POST", `/users/${user.id}/2fa/recovery-codes`, {
        json: {},
      });
      expect(made.status).toBe(200);
      const [code] = made.body.codes as string[];

      const client = server.client();
      const asked = await client.request("POST", "/login", {
        json: { name: user.name, password: user.password },
      });
      expect(asked.body.code).toBe("two_fa_required");
      expect(asked.body.extra.recovery_supported).toBe(true);
      const signedIn = await client.request("POST", "/login", {
        json: { name: user.name, password: user.password, recovery_code: code },
      });
      expect(signedIn.status).toBe(200);
      expect((await client.request("GET", "/me")).body.two_fa_enrolment_required).toBe(false);
      for (const probe of CLOSED.slice(0, 6)) {
        const response = await client.request(probe.method, probe.path(user.id, other.id));
        expect(response.status, probe.label).toBe(200);
      }

      server.clock.advance(30_000);
      const disabled = await client.request("POST", `/users/${user.id}/2fa/totp/disable`, {
        json: { code: generateTotp(setup.body.secret, { clock: server.clock }) },
      });
      expect(disabled.status).toBe(200);
      await assertGated("recovery code, then TOTP disabled", sender(client), user, other);
      // The codes went with the last factor: a sign-in is the password alone again.
      expect((await client.request("GET", "/me")).body.recovery_codes_left).toBeNull();
    });

    it("a user who owes a factor signs in with the password alone (nothing to ask for yet)", async () => {
      const user = await covered();
      const login = await server.client().request("POST", "/login", {
        json: { name: user.name, password: user.password },
      });
      expect(login.status).toBe(200);
    });
  },
  { env: { TESSERA_REQUIRE_2FA: "all" } },
);

describeServer(
  "TESSERA_REQUIRE_2FA=admins",
  (server) => {
    it("holds back an admin without a factor and leaves other users alone", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const user = await server.createUser({});
      const adminClient = server.client();
      await adminClient.login(admin.name, admin.password);
      await assertGated("admin, password (policy admins)", sender(adminClient), admin, user);

      const userClient = server.client();
      await userClient.login(user.name, user.password);
      expect((await userClient.request("GET", "/me")).body.two_fa_enrolment_required).toBe(false);
      expect((await userClient.request("GET", `/users/${user.id}/sessions`)).status).toBe(200);
    });

    it("holds back a user from the moment they are promoted", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const adminClient = server.client();
      await adminClient.login(admin.name, admin.password);
      await registerPasskey(adminClient, admin.id);
      const user = await server.createUser({});
      const userClient = server.client();
      await userClient.login(user.name, user.password);
      expect((await userClient.request("GET", `/users/${user.id}/2fa/totp`)).status).toBe(200);
      const promoted = await adminClient.request("PATCH", `/users/${user.id}/promote`, {
        json: {},
      });
      expect(promoted.status).toBe(200);
      expect((await userClient.request("GET", "/users")).body.code).toBe(
        "two_fa_enrolment_required",
      );
    });
  },
  { env: { TESSERA_REQUIRE_2FA: "admins" } },
);

describeServer("TESSERA_REQUIRE_2FA unset (off)", (server) => {
  it("holds nobody back: an admin without a factor reaches everything", async () => {
    const admin = await server.createUser({ isAdmin: true });
    const client = server.client();
    await client.login(admin.name, admin.password);
    expect((await client.request("GET", "/me")).body.two_fa_enrolment_required).toBe(false);
    for (const probe of CLOSED.slice(0, 6)) {
      expect((await client.request(probe.method, probe.path(admin.id, admin.id))).status).toBe(200);
    }
  });
});
