/**
 * The admin page's "Applications": the registered apps (OpenID Connect clients) with what
 * each may do, giving one a new secret and removing one, each after a confirmation naming the
 * app; the register form is ./application-form.ts, and a new secret is shown once in the
 * section's secret panel (`showSecret`).
 */
import { api } from "../lib/api.js";
import { grantName } from "../lib/applications.js";
import { byId, h, handleClick, setVisible, showMessage } from "../lib/dom.js";
import { formatNumber, t } from "../lib/i18n.js";
import { actionButton, confirmPanel, type ConfirmPanel } from "../lib/item-controls.js";
import type { ApplicationSecret, ApplicationView } from "../lib/types.js";
import { codeData, timeOf, userData } from "./words.js";

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
    showMessage(message, t("admin.secret_copied"), "success");
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
    byId("app-count").textContent = formatNumber(apps.length);
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
    userData(app.name),
    " ",
    h(
      "span",
      { className: "badge" },
      t(app.public ? "admin.badge_public" : "admin.badge_confidential"),
    ),
    app.first_party && " ",
    app.first_party && h("span", { className: "badge" }, t("admin.badge_first_party")),
  );
  const details = [
    h("span", { className: "meta" }, t("admin.client_id"), " ", codeData(app.client_id)),
    h(
      "span",
      { className: "meta" },
      t("admin.app_grants", { grants: app.grant_types.map(grantName).join(", ") }),
      " · ",
      t("admin.app_registered"),
      " ",
      timeOf(app.created_at),
    ),
    app.redirect_uris.length > 0 &&
      h(
        "span",
        { className: "meta" },
        t("admin.app_redirect_uris"),
        " ",
        userData(app.redirect_uris.join(" ")),
      ),
  ];

  const rotate = app.public ? null : actionButton(t("admin.new_secret"), app.name, "secondary");
  const remove = actionButton(t("admin.remove"), app.name, "danger");
  const actions = h(
    "div",
    { className: "actions" },
    ...[rotate, remove].filter((b): b is HTMLButtonElement => b !== null),
  );
  const rotateConfirm = confirmPanel(
    t("admin.confirm_new_secret", { name: app.name }),
    t("admin.make_new_secret"),
    "primary",
  );
  const removeConfirm = confirmPanel(
    t("admin.confirm_remove_app", { name: app.name }),
    t("admin.remove"),
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
      showMessage(message, t("admin.app_new_secret", { name: app.name }), "success");
      showSecret(rotated.client_id, rotated.client_secret);
    });
  }
  wireConfirm(remove, actions, removeConfirm, [rotateConfirm]);
  handleClick(removeConfirm.confirm, message, async () => {
    await api("DELETE", path);
    await section.refresh();
    showMessage(message, t("admin.app_removed", { name: app.name }), "success");
    byId("apps-title").focus();
  });
  item.dataset.id = app.client_id;
  return item;
}
