/**
 * The admin page's "Applications": the registered apps (OpenID Connect clients) with what
 * each may do, giving one a new secret and removing one, each after a confirmation naming the
 * app; the register form is ./application-form.ts, and a new secret is shown once in the
 * section's secret panel (`showSecret`).
 */
import { api } from "../lib/api.js";
import { grantName } from "../lib/applications.js";
import { byId, h, handleClick, setVisible, showMessage } from "../lib/dom.js";
import { actionButton, confirmPanel, type ConfirmPanel } from "../lib/item-controls.js";
import { formatDateTime } from "../lib/text.js";
import type { ApplicationSecret, ApplicationView } from "../lib/types.js";

/** The section's list, read again after every change. */
export interface ApplicationsSection {
  /** Reads the list again; the Activity too. */
  refresh(): Promise<void>;
}

/**
 * Shows a secret once, with the client id, a copy button and "Done" (which clears it); the
 * focus goes to the panel's title.
 */
export function showSecret(clientId: string, secret: string): void {
  byId("app-secret-client-id").textContent = clientId;
  byId("app-secret-value").textContent = secret;
  setVisible(true, byId("app-secret"));
  byId("app-secret-title").focus();
}

/** Wires the secret panel's buttons (once). */
function wireSecretPanel(): void {
  const message = byId("apps-message");
  handleClick(byId<HTMLButtonElement>("app-secret-copy"), message, async () => {
    await navigator.clipboard.writeText(byId("app-secret-value").textContent ?? "");
    showMessage(message, "The secret is copied.", "success");
  });
  byId("app-secret-done").addEventListener("click", () => {
    byId("app-secret-client-id").textContent = "";
    byId("app-secret-value").textContent = "";
    setVisible(false, byId("app-secret"));
    showMessage(message, "");
    byId("apps-title").focus();
  });
}

/** Shows the applications; `refreshActivity` reads the Activity again after a change. */
export async function createApplications(
  refreshActivity: () => Promise<void>,
): Promise<ApplicationsSection> {
  wireSecretPanel();
  const load = async () => {
    const apps = await api<ApplicationView[]>("GET", "/applications");
    const list = byId<HTMLUListElement>("app-list");
    list.replaceChildren(...apps.map((app) => applicationItem(app, section)));
    byId("app-count").textContent = String(apps.length);
    setVisible(apps.length > 0, list);
    setVisible(apps.length === 0, byId("app-empty"));
  };
  const section: ApplicationsSection = {
    async refresh() {
      await load();
      await refreshActivity();
    },
  };
  await load();
  return section;
}

/** Opens a confirmation in place of the item's actions; Cancel puts them back. */
function wireConfirm(
  button: HTMLButtonElement,
  actions: HTMLElement,
  confirm: ConfirmPanel,
  others: readonly ConfirmPanel[],
): void {
  button.addEventListener("click", () => {
    for (const other of others) setVisible(false, other.panel);
    setVisible(false, actions);
    setVisible(true, confirm.panel);
    confirm.confirm.focus();
  });
  confirm.cancel.addEventListener("click", () => {
    setVisible(false, confirm.panel);
    setVisible(true, actions);
    button.focus();
  });
}

function applicationItem(app: ApplicationView, section: ApplicationsSection): HTMLLIElement {
  const message = byId("apps-message");
  const path = `/applications/${encodeURIComponent(app.client_id)}`;
  const title = h(
    "span",
    { className: "item-title" },
    app.name,
    " ",
    h("span", { className: "badge" }, app.public ? "Public" : "Confidential"),
    app.first_party && " ",
    app.first_party && h("span", { className: "badge" }, "First party"),
  );
  const details = [
    h("span", { className: "meta" }, "Client ID ", h("code", {}, app.client_id)),
    h(
      "span",
      { className: "meta" },
      `Grants: ${app.grant_types.map(grantName).join(", ")} · Registered ${formatDateTime(app.created_at)}`,
    ),
    app.redirect_uris.length > 0 &&
      h("span", { className: "meta" }, `Redirect URIs: ${app.redirect_uris.join(" ")}`),
  ];

  const rotate = app.public ? null : actionButton("New secret", app.name, "secondary");
  const remove = actionButton("Remove", app.name, "danger");
  const actions = h(
    "div",
    { className: "actions" },
    ...[rotate, remove].filter((b): b is HTMLButtonElement => b !== null),
  );
  const rotateConfirm = confirmPanel(
    `Give “${app.name}” a new secret? The current one stops working at once: the app needs the new one.`,
    "Make a new secret",
    "primary",
  );
  const removeConfirm = confirmPanel(
    `Remove “${app.name}”? Everyone signed in to it through this server is signed out, and it can no longer sign anyone in.`,
    "Remove",
    "danger",
  );
  const item = h(
    "li",
    { className: "item" },
    h("div", { className: "item-main" }, title, ...details),
    actions,
    rotateConfirm.panel,
    removeConfirm.panel,
  );
  if (rotate !== null) {
    wireConfirm(rotate, actions, rotateConfirm, [removeConfirm]);
    handleClick(rotateConfirm.confirm, message, async () => {
      const rotated = await api<ApplicationSecret>("POST", `${path}/secret`);
      await section.refresh();
      showMessage(message, `“${app.name}” has a new secret.`, "success");
      showSecret(rotated.client_id, rotated.client_secret);
    });
  }
  wireConfirm(remove, actions, removeConfirm, [rotateConfirm]);
  handleClick(removeConfirm.confirm, message, async () => {
    await api("DELETE", path);
    await section.refresh();
    showMessage(message, `“${app.name}” is removed.`, "success");
    byId("apps-title").focus();
  });
  item.dataset.id = app.client_id;
  return item;
}
