/**
 * The applications routes (src/http/routes/applications.ts) through a real listening server,
 * on SQLite and on PostgreSQL: a person's apps with access and revoking one (only their own),
 * the admin's list, registration (the secret in that answer only), rotation and removal, the
 * 403 `permission_denied` of everyone else, the recent authentication the admin's writes need,
 * and the stable codes of refusals. (Tokens that stop working: test/http/oidc/apps-with-access.)
 */
import { describe, expect, it } from "vitest";
import {
  MAX_OIDC_CLIENT_ID_LENGTH,
  MAX_OIDC_CLIENT_NAME_LENGTH,
  MAX_OIDC_CLIENT_URIS,
  MAX_OIDC_CLIENT_URI_LENGTH,
} from "../../../src/contract/index.js";
import { MINUTE_MS } from "../../../src/core/clock.js";
import { addOidcClient } from "../../../src/services/oidc/clients.js";
import { addOidcConsentScopes, findOidcClient } from "../../../src/store/index.js";
import { describeServer } from "../../helpers/routes.js";
import type { TestClient } from "../../helpers/server.js";

describeServer("applications routes", (server) => {
  const db = () => server.app.tessera.db;

  async function signedIn(isAdmin = false): Promise<{ id: string; client: TestClient }> {
    const user = await server.createUser({ isAdmin });
    const client = server.client();
    await client.login(user.name, user.password);
    return { id: user.id, client };
  }

  async function registered(name: string, extra = {}): Promise<string> {
    const added = await addOidcClient(server.app.tessera, {
      name,
      redirectUris: [`https://${name.toLowerCase()}.example/cb`],
      ...extra,
    });
    return added.clientId;
  }

  describe("GET and DELETE /me/applications", () => {
    it("lists the person's apps with access, and revokes one (204, then 404)", async () => {
      const { id, client } = await signedIn();
      expect((await client.request("GET", "/me/applications")).body).toEqual([]);
      const wiki = await registered("Wiki");
      await addOidcConsentScopes(db(), id, wiki, ["openid", "email"], server.clock());
      const listed = await client.request("GET", "/me/applications");
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual([
        {
          client_id: wiki,
          name: "Wiki",
          first_party: false,
          scopes: ["email", "openid"],
          granted_at: new Date(server.clock()).toISOString(),
        },
      ]);

      const revoked = await client.request("DELETE", `/me/applications/${wiki}`);
      expect(revoked.status).toBe(204);
      expect(revoked.text).toBe("");
      expect((await client.request("GET", "/me/applications")).body).toEqual([]);
      const again = await client.request("DELETE", `/me/applications/${wiki}`);
      expect(again.status).toBe(404);
      expect(again.body.code).toBe("not_found");
    });

    it("never revokes another person's access: their consent stays", async () => {
      const alice = await signedIn();
      const mallory = await signedIn();
      const wiki = await registered("Wiki");
      await addOidcConsentScopes(db(), alice.id, wiki, ["openid"], server.clock());
      const attempt = await mallory.client.request("DELETE", `/me/applications/${wiki}`);
      expect(attempt.status).toBe(404);
      expect(attempt.body.code).toBe("not_found");
      expect((await alice.client.request("GET", "/me/applications")).body).toMatchObject([
        { client_id: wiki },
      ]);
      // The route takes no user id: there is no way to name someone else.
      const other = await mallory.client.request(
        "DELETE",
        `/users/${alice.id}/applications/${wiki}`,
      );
      expect(other.status).toBe(404);
    });

    it("needs a session, and a write from another site is refused", async () => {
      const anonymous = server.client();
      expect((await anonymous.request("GET", "/me/applications")).status).toBe(401);
      expect((await anonymous.request("DELETE", "/me/applications/x")).status).toBe(401);
      const { id, client } = await signedIn();
      const wiki = await registered("Wiki");
      await addOidcConsentScopes(db(), id, wiki, ["openid"], server.clock());
      const forged = await client.request("DELETE", `/me/applications/${wiki}`, {
        origin: "https://evil.example",
      });
      expect(forged.status).toBe(403);
      expect(forged.body.code).toBe("csrf");
      expect((await client.request("GET", "/me/applications")).body).toHaveLength(1);
    });
  });

  describe("/applications (admin)", () => {
    it("refuses everyone but an admin with 403 permission_denied, changing nothing", async () => {
      const { client } = await signedIn();
      const wiki = await registered("Wiki");
      const attempts = [
        await client.request("GET", "/applications"),
        await client.request("POST", "/applications", {
          json: { name: "Evil", redirect_uris: ["https://evil.example/cb"], first_party: true },
        }),
        await client.request("DELETE", `/applications/${wiki}`),
        await client.request("POST", `/applications/${wiki}/secret`),
      ];
      for (const response of attempts) {
        expect(response.status, response.text).toBe(403);
        expect(response.body.code).toBe("permission_denied");
      }
      expect(await findOidcClient(db(), wiki)).toBeDefined();
    });

    it("registers, lists, rotates and removes an application; secrets only in their answers", async () => {
      const { client } = await signedIn(true);
      const created = await client.request("POST", "/applications", {
        json: {
          name: " Wiki ",
          redirect_uris: ["https://wiki.example/cb"],
          first_party: true,
          post_logout_redirect_uris: ["https://wiki.example/bye"],
          grant_types: ["authorization_code", "refresh_token"],
        },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toMatchObject({
        name: "Wiki",
        public: false,
        first_party: true,
        application_type: "web",
        redirect_uris: ["https://wiki.example/cb"],
        post_logout_redirect_uris: ["https://wiki.example/bye"],
        backchannel_logout_uri: null,
        grant_types: ["authorization_code", "refresh_token"],
      });
      const clientId = created.body.client_id as string;
      const secret = created.body.client_secret as string;
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const listed = await client.request("GET", "/applications");
      expect(listed.status).toBe(200);
      const entry = listed.body.find((app: { client_id: string }) => app.client_id === clientId);
      expect(entry).toMatchObject({ name: "Wiki", first_party: true });
      expect(entry).not.toHaveProperty("client_secret");
      expect(listed.text).not.toContain(secret);

      const rotated = await client.request("POST", `/applications/${clientId}/secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.body).toEqual({ client_id: clientId, client_secret: expect.any(String) });
      expect(rotated.body.client_secret).not.toBe(secret);

      const removed = await client.request("DELETE", `/applications/${clientId}`);
      expect(removed.status).toBe(204);
      expect((await client.request("GET", "/applications")).text).not.toContain(clientId);
      for (const [method, path] of [
        ["DELETE", `/applications/${clientId}`],
        ["POST", `/applications/${clientId}/secret`],
      ] as const) {
        const response = await client.request(method, path);
        expect(response.status).toBe(404);
        expect(response.body.code).toBe("not_found");
      }
    });

    it("registers a public application with no secret, whose secret cannot be rotated", async () => {
      const { client } = await signedIn(true);
      const created = await client.request("POST", "/applications", {
        json: { name: "Phone app", redirect_uris: ["com.example.app:/cb"], public: true },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toMatchObject({ public: true, application_type: "native" });
      expect(created.body).not.toHaveProperty("client_secret");
      const rotate = await client.request("POST", `/applications/${created.body.client_id}/secret`);
      expect(rotate.status).toBe(400);
      expect(rotate.body.code).toBe("validation_error");
    });

    it("refuses a bad registration with validation_error naming the body's field", async () => {
      const { client } = await signedIn(true);
      const cases: [Record<string, unknown>, string | undefined][] = [
        [{ name: "   ", redirect_uris: ["https://a.example/cb"] }, "name"],
        [{ name: "Wiki", redirect_uris: ["http://wiki.example/cb"] }, "redirect_uris"],
        [{ name: "Wiki", redirect_uris: ["https://wiki.example/cb#x"] }, "redirect_uris"],
        [{ name: "Wiki" }, "redirect_uris"],
        [{ name: "Job", grant_types: ["client_credentials"], public: true }, "grant_types"],
        // The schema's own refusal: a grant Tessera does not offer.
        [
          { name: "Wiki", redirect_uris: ["https://a.example/cb"], grant_types: ["password"] },
          undefined,
        ],
      ];
      for (const [json, field] of cases) {
        const response = await client.request("POST", "/applications", { json });
        expect(response.status, JSON.stringify(json)).toBe(400);
        expect(response.body.code).toBe("validation_error");
        if (field !== undefined)
          expect(response.body.extra?.field, JSON.stringify(json)).toBe(field);
      }
      const names = (await client.request("GET", "/applications")).body.map(
        (app: { name: string }) => app.name,
      );
      expect(names).not.toContain("Job");
      // A secret in the body is no field of the request: Tessera makes the secret.
      const chosen = await client.request("POST", "/applications", {
        json: { name: "Mine", redirect_uris: ["https://a.example/cb"], client_secret: "mine" },
      });
      expect(chosen.status).toBe(201);
      expect(chosen.body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it("holds the wire's limits: the name, the URIs, the client id in a path", async () => {
      const { client } = await signedIn(true);
      const register = (json: Record<string, unknown>) =>
        client.request("POST", "/applications", { json });
      const uri = "https://a.example/cb";
      expect(
        (await register({ name: "n".repeat(MAX_OIDC_CLIENT_NAME_LENGTH), redirect_uris: [uri] }))
          .status,
      ).toBe(201);
      const long = await register({
        name: "n".repeat(MAX_OIDC_CLIENT_NAME_LENGTH + 1),
        redirect_uris: [uri],
      });
      expect([long.status, long.body.code]).toEqual([400, "validation_error"]);
      const many = Array.from({ length: MAX_OIDC_CLIENT_URIS + 1 }, (_, i) => `${uri}${i}`);
      const tooMany = await register({ name: "Many", redirect_uris: many });
      expect([tooMany.status, tooMany.body.code]).toEqual([400, "validation_error"]);
      const longUri = `${uri}?${"q".repeat(MAX_OIDC_CLIENT_URI_LENGTH)}`;
      const tooLong = await register({ name: "Long", redirect_uris: [longUri] });
      expect([tooLong.status, tooLong.body.code]).toEqual([400, "validation_error"]);
      const id = "i".repeat(MAX_OIDC_CLIENT_ID_LENGTH + 1);
      for (const [method, path] of [
        ["DELETE", `/applications/${id}`],
        ["DELETE", `/me/applications/${id}`],
        ["POST", `/applications/${id}/secret`],
      ] as const) {
        const response = await client.request(method, path);
        expect([response.status, response.body.code], path).toEqual([400, "validation_error"]);
      }
    });

    it("needs a recent authentication for the writes, not for the list", async () => {
      const { client } = await signedIn(true);
      const wiki = await registered("Wiki");
      server.clock.advance(11 * MINUTE_MS);
      expect((await client.request("GET", "/applications")).status).toBe(200);
      for (const [method, path, json] of [
        ["POST", "/applications", { name: "Late", redirect_uris: ["https://late.example/cb"] }],
        ["POST", `/applications/${wiki}/secret`, undefined],
        ["DELETE", `/applications/${wiki}`, undefined],
      ] as const) {
        const response = await client.request(method, path, json === undefined ? {} : { json });
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.body.code).toBe("reauthentication_required");
      }
      expect(await findOidcClient(db(), wiki)).toBeDefined();
      // A person revoking an app's access needs none (as ending one session).
      const person = await server.createUser({});
      const personClient = server.client();
      await personClient.login(person.name, person.password);
      await addOidcConsentScopes(db(), person.id, wiki, ["openid"], server.clock());
      server.clock.advance(11 * MINUTE_MS);
      expect((await personClient.request("DELETE", `/me/applications/${wiki}`)).status).toBe(204);
    });
  });
});
