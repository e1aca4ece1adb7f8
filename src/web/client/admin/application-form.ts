/**
 * The admin page's "Register an application" form: a name, the redirect URIs (one per line),
 * public or not, first party or not, and the grants. A confidential app's secret is shown
 * once (./applications.ts, `showSecret`); a public app has none.
 */
import { api, ApiError } from "../lib/api.js";
import { uriLines } from "../lib/applications.js";
import { byId, fieldValue, handleForm, showMessage } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import type { CreatedApplication } from "../lib/types.js";
import { showSecret, type ApplicationsSection } from "./applications.js";

/** The form's control for a field the server names in `extra.field`. */
const FIELD_IDS: Readonly<Record<string, string>> = {
  name: "app-name",
  redirect_uris: "app-redirect-uris",
  grant_types: "app-grant-code",
};

/** Wires the form; a registration reads the section's list again. */
export function wireApplicationForm(section: ApplicationsSection): void {
  const form = byId<HTMLFormElement>("app-form");
  const message = byId("app-form-message");
  const checked = (name: string) =>
    Array.from(form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`))
      .filter((input) => input.checked)
      .map((input) => input.value);
  const flag = (id: string) => byId<HTMLInputElement>(id).checked;
  handleForm(form, {
    message,
    validate: () => {
      if (checked("grant_types").length === 0) {
        return { field: byId("app-grant-code"), text: t("admin.grants_none") };
      }
      return null;
    },
    submit: async () => {
      let created: CreatedApplication;
      try {
        created = await api<CreatedApplication>("POST", "/applications", {
          name: fieldValue(form, "client_name"),
          redirect_uris: uriLines(fieldValue(form, "redirect_uris", true)),
          public: flag("app-public"),
          first_party: flag("app-first-party"),
          grant_types: checked("grant_types"),
        });
      } catch (error) {
        // Point at the field the server refused.
        const field = error instanceof ApiError ? error.extra.field : undefined;
        const id = typeof field === "string" ? FIELD_IDS[field] : undefined;
        if (id !== undefined) {
          byId(id).setAttribute("aria-invalid", "true");
          byId(id).focus();
        }
        throw error;
      }
      form.reset();
      await section.refresh();
      if (created.client_secret === undefined) {
        showMessage(
          byId("apps-message"),
          t("admin.registered_public", { name: created.name, client_id: created.client_id }),
          "success",
        );
        byId("apps-title").focus();
        return;
      }
      showMessage(byId("apps-message"), t("admin.registered", { name: created.name }), "success");
      showSecret(created.client_id, created.client_secret);
    },
  });
}
