/**
 * The admin page's "Roles" (issue 23): every role with its permissions and holders; creating
 * one; changing a role's description and permissions in place; deleting one after a
 * confirmation naming it (never `admin`, which is built in); and a user's roles, found by name
 * or email, set with one checkbox per role (`PUT /users/{id}/roles`: exactly those checked).
 */
import { api, userPath } from "../lib/api.js";
import {
  byId,
  fieldValue,
  h,
  handleClick,
  handleForm,
  setVisible,
  showMessage,
} from "../lib/dom.js";
import { formatNumber, t } from "../lib/i18n.js";
import { actionButton, confirmPanel, inlineFormActions } from "../lib/item-controls.js";
import type { AdminUserView, GrantsView, RoleView } from "../lib/types.js";
import { userData } from "./words.js";

/** Permissions as typed: one per line or separated by spaces or commas. */
function permissionsOf(text: string): string[] {
  return text.split(/[\s,]+/).filter((p) => p !== "");
}

/** Shows the section; `refreshActivity` reads the Activity again after a change. */
export async function createRoles(refreshActivity: () => Promise<void>): Promise<void> {
  const message = byId("roles-message");
  let roles: RoleView[] = [];
  const load = async () => {
    roles = await api<RoleView[]>("GET", "/roles");
    byId("role-list").replaceChildren(...roles.map((role) => roleItem(role, changed)));
    byId("role-count").textContent = formatNumber(roles.length);
  };
  const changed = async (text: string) => {
    await load();
    await refreshActivity();
    showMessage(message, text, "success");
  };
  await load();

  const form = byId<HTMLFormElement>("role-form");
  handleForm(form, {
    message: byId("role-form-message"),
    submit: async () => {
      const created = await api<RoleView>("POST", "/roles", {
        name: fieldValue(form, "name"),
        description: fieldValue(form, "description"),
        permissions: permissionsOf(fieldValue(form, "permissions")),
      });
      form.reset();
      await changed(t("admin.role_created", { name: created.name }));
      byId("role-name").focus();
    },
  });
  wireUserRoles(() => roles, changed);
}

function roleItem(role: RoleView, changed: (text: string) => Promise<void>): HTMLLIElement {
  const message = byId("roles-message");
  const path = `/roles/${encodeURIComponent(role.name)}`;
  const title = h(
    "span",
    { className: "item-title" },
    userData(role.name),
    " ",
    h("span", { className: "badge" }, t("admin.role_holders", { count: role.holders })),
    role.built_in && " ",
    role.built_in && h("span", { className: "badge" }, t("admin.role_built_in")),
  );
  const details = [
    role.description !== "" && userData(role.description, "meta"),
    h(
      "span",
      { className: "meta" },
      t("admin.role_permissions"),
      " ",
      role.permissions.length === 0
        ? t("admin.role_permissions_none")
        : userData(role.permissions.join(" ")),
    ),
  ];
  const edit = actionButton(t("admin.edit"), role.name, "secondary");
  const remove = role.built_in ? null : actionButton(t("admin.delete"), role.name, "danger");
  const actions = h(
    "div",
    { className: "actions" },
    ...[edit, remove].filter((b): b is HTMLButtonElement => b !== null),
  );
  const editForm = h(
    "form",
    { className: "inline-form", hidden: true, noValidate: true },
    h(
      "label",
      {},
      t("admin.description"),
      " ",
      h("input", { name: "description", type: "text", value: role.description, maxLength: "200" }),
    ),
    h(
      "label",
      {},
      t("admin.permissions"),
      " ",
      h(
        "textarea",
        { name: "permissions", rows: "2", translate: "no" },
        role.permissions.join("\n"),
      ),
    ),
    inlineFormActions(t("admin.save"), "primary"),
  );
  const removeConfirm = confirmPanel(
    t("admin.confirm_delete_role", { name: role.name, count: role.holders }),
    t("admin.delete"),
    "danger",
  );
  edit.addEventListener("click", () => {
    setVisible(false, actions, removeConfirm.panel);
    setVisible(true, editForm);
    (editForm.elements.namedItem("permissions") as HTMLTextAreaElement).focus();
  });
  editForm.querySelector("[data-cancel]")?.addEventListener("click", () => {
    setVisible(false, editForm);
    setVisible(true, actions);
    edit.focus();
  });
  handleForm(editForm, {
    message,
    submit: async () => {
      await api<RoleView>("PATCH", path, {
        description: fieldValue(editForm, "description"),
        permissions: permissionsOf(fieldValue(editForm, "permissions")),
      });
      await changed(t("admin.role_changed", { name: role.name }));
    },
  });
  if (remove !== null) {
    remove.addEventListener("click", () => {
      setVisible(false, actions);
      setVisible(true, removeConfirm.panel);
      removeConfirm.confirm.focus();
    });
    removeConfirm.cancel.addEventListener("click", () => {
      setVisible(false, removeConfirm.panel);
      setVisible(true, actions);
      remove.focus();
    });
    handleClick(removeConfirm.confirm, message, async () => {
      await api("DELETE", path);
      await changed(t("admin.role_deleted", { name: role.name }));
      byId("roles-title").focus();
    });
  }
  const item = h(
    "li",
    { className: "item" },
    h("div", { className: "item-main" }, title, ...details),
    actions,
    editForm,
    removeConfirm.panel,
  );
  item.dataset.name = role.name;
  return item;
}

/** "A user's roles": find the user, tick their roles, save exactly those. */
function wireUserRoles(
  roles: () => readonly RoleView[],
  changed: (text: string) => Promise<void>,
): void {
  const form = byId<HTMLFormElement>("user-roles-form");
  const message = byId("user-roles-message");
  const boxes = byId("user-roles-boxes");
  let user: AdminUserView | null = null;
  handleForm(form, {
    message,
    submit: async () => {
      const who = fieldValue(form, "who");
      const found = await api<AdminUserView[]>("GET", `/users?q=${encodeURIComponent(who)}`);
      const key = who.toLowerCase();
      user =
        found.find((u) => u.name.toLowerCase() === key || u.email.toLowerCase() === key) ?? null;
      if (user === null) {
        setVisible(false, byId("user-roles-choice"));
        showMessage(message, t("admin.no_user_named", { who }), "error");
        return;
      }
      const held = await api<GrantsView>("GET", userPath(user.id, "/roles"));
      byId("user-roles-legend").textContent = t("admin.roles_of", { name: user.name });
      boxes.replaceChildren(
        ...roles().map((role) => {
          const id = `user-role-${role.name}`;
          return h(
            "div",
            { className: "checkbox" },
            h("input", {
              id,
              type: "checkbox",
              value: role.name,
              checked: held.roles.includes(role.name),
            }),
            h("label", { for: id, translate: "no" }, role.name),
          );
        }),
      );
      setVisible(true, byId("user-roles-choice"));
    },
  });
  handleClick(byId<HTMLButtonElement>("user-roles-save"), message, async () => {
    if (user === null) return;
    const chosen = Array.from(boxes.querySelectorAll<HTMLInputElement>("input:checked")).map(
      (box) => box.value,
    );
    const now = await api<GrantsView>("PUT", userPath(user.id, "/roles"), { roles: chosen });
    await changed(
      t("admin.user_holds", {
        name: user.name,
        roles: now.roles.length === 0 ? t("admin.no_role") : now.roles.join(", "),
      }),
    );
    showMessage(message, t("admin.roles_saved", { name: user.name }), "success");
  });
}
