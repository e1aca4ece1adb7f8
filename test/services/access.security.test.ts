/**
 * The one access rule of the services (`loadTarget`): who may act on which account. Acting on
 * oneself reads nothing (the middleware loaded the user); a non-admin naming someone else gets
 * 403 whether or not the id exists; an admin may not manage another admin (DESIGN, "Users").
 */
import { randomUUID } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { NotFoundError, PermissionDeniedError } from "../../src/core/errors.js";
import { insertUser, deleteUserRow, type User } from "../../src/store/index.js";
import { loadTarget } from "../../src/services/access.js";
import { toPublicUser } from "../../src/services/users-view.js";
import { describeStore } from "../helpers/store.js";

/** The time store writes are stamped with (the service's clock, frozen). */
const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();

describeStore("loadTarget", (store) => {
  let admin: User;
  let otherAdmin: User;
  let alice: User;
  let bob: User;
  const ctx = () => ({ db: store.db });
  const make = (name: string, isAdmin = false) =>
    insertUser(store.db, {
      name,
      email: `${name}@example.org`,
      passwordHash: "h",
      isAdmin,
      nowMs: NOW_MS,
    });

  beforeEach(async () => {
    admin = await make("admin", true);
    otherAdmin = await make("other-admin", true);
    alice = await make("alice");
    bob = await make("bob");
  });

  it("returns the acting user themself without reading the database", async () => {
    const actor = toPublicUser(alice);
    // Gone from the database, yet returned: proof that nothing was read.
    await deleteUserRow(store.db, alice.id);
    for (const access of ["self", "self-or-admin"] as const) {
      expect(await loadTarget(ctx(), actor, alice.id, { access })).toBe(actor);
    }
  });

  it("reads the row, secrets included, only when asked for them, also for oneself", async () => {
    const actor = toPublicUser(alice);
    const row = await loadTarget(ctx(), actor, alice.id, {
      access: "self-or-admin",
      withSecrets: true,
    });
    expect(row.passwordHash).toBe("h");
    await deleteUserRow(store.db, alice.id);
    await expect(
      loadTarget(ctx(), actor, alice.id, { access: "self", withSecrets: true }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses a non-admin naming someone else with 403, whether or not the id exists", async () => {
    const actor = toPublicUser(alice);
    for (const targetId of [bob.id, admin.id, randomUUID(), "not-an-id"]) {
      for (const withSecrets of [false, true]) {
        await expect(
          loadTarget(ctx(), actor, targetId, { access: "self-or-admin", withSecrets }),
        ).rejects.toBeInstanceOf(PermissionDeniedError);
      }
    }
  });

  it("lets an admin act on a non-admin where the rule allows it, without handing out secrets", async () => {
    const target = await loadTarget(ctx(), toPublicUser(admin), bob.id, {
      access: "self-or-admin",
    });
    expect(target).toEqual(toPublicUser(bob));
    expect(target).not.toHaveProperty("passwordHash");
    const row = await loadTarget(ctx(), toPublicUser(admin), bob.id, {
      access: "self-or-admin",
      withSecrets: true,
    });
    expect(row.id).toBe(bob.id);
    expect(row.passwordHash).toBe("h");
  });

  it("refuses an admin on a self-only action for someone else, with the action's message", async () => {
    for (const targetId of [bob.id, randomUUID()]) {
      const error = await loadTarget(ctx(), toPublicUser(admin), targetId, {
        access: "self",
        deniedMessage: "Only users themselves may add passkeys",
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect((error as PermissionDeniedError).message).toBe(
        "Only users themselves may add passkeys",
      );
    }
  });

  it("refuses an admin managing another admin, and lets an admin manage themself", async () => {
    for (const withSecrets of [false, true]) {
      const error = await loadTarget(ctx(), toPublicUser(admin), otherAdmin.id, {
        access: "self-or-admin",
        withSecrets,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect((error as PermissionDeniedError).message).toBe(
        "An admin may not manage another admin",
      );
    }
    const self = toPublicUser(admin);
    expect(await loadTarget(ctx(), self, admin.id, { access: "self-or-admin" })).toBe(self);
  });

  it("answers an admin naming an unknown user with 404", async () => {
    await expect(
      loadTarget(ctx(), toPublicUser(admin), randomUUID(), { access: "self-or-admin" }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
