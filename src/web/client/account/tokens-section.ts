/**
 * The account page's "Access tokens" (issue 23): the user's personal access tokens (scopes,
 * expiry, last use), making one (its name, the scopes the user holds, its lifetime; shown once
 * to copy), and revoking one after a confirmation. Making one needs a recent authentication:
 * the API client asks "Confirm it is you" inline and sends it again.
 */
import {
  PERSONAL_TOKEN_SCOPES,
  type TesseraScope,
} from "../../../contract/personal-token-scopes.js";
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
import { t } from "../lib/i18n.js";
import { actionButton, confirmPanel } from "../lib/item-controls.js";
import type { CreatedPersonalToken, PersonalTokenView, UserView } from "../lib/types.js";
import { timeOf, tNodes, userData } from "../lib/words.js";

/** What each of Tessera's own scopes opens, in the catalogue (the contract's words, in English). */
const SCOPE_KEYS: Readonly<Record<TesseraScope, string>> = {
  "profile:read": "account.token_scope_profile_read",
  "sessions:read": "account.token_scope_sessions_read",
  "users:read": "account.token_scope_users_read",
  "users:write": "account.token_scope_users_write",
  "audit:read": "account.token_scope_audit_read",
  "applications:read": "account.token_scope_applications_read",
};

/** Wires the section for `user` and shows their tokens. */
export async function wireTokens(
  user: UserView & { permissions?: readonly string[] },
): Promise<void> {
  const message = byId("tokens-message");
  const form = byId<HTMLFormElement>("token-add-form");
  byId("tokens-intro").replaceChildren(
    ...tNodes("account.tokens_intro", {
      header: h("code", { translate: "no" }, "Authorization: Bearer"),
    }),
  );
  const own = (Object.keys(PERSONAL_TOKEN_SCOPES) as TesseraScope[]).filter(
    (scope) => user.is_admin || PERSONAL_TOKEN_SCOPES[scope].heldBy === "everyone",
  );
  const opens = (scope: string): string =>
    t(
      Object.hasOwn(SCOPE_KEYS, scope)
        ? SCOPE_KEYS[scope as TesseraScope]
        : "account.token_scope_from_roles",
    );
  // What the user's roles grant besides (an app's `invoices:write`): a token may carry it too.
  const held = [...new Set<string>([...own, ...(user.permissions ?? [])])];
  byId("token-scopes").replaceChildren(
    ...held.map((scope) =>
      h(
        "div",
        { className: "checkbox" },
        h("input", {
          id: scopeFieldId(scope),
          name: "scope",
          type: "checkbox",
          value: scope,
          checked: scope === "profile:read",
        }),
        h(
          "label",
          { for: scopeFieldId(scope) },
          ...tNodes(
            "account.token_scope_label",
            { scope: userData(scope) },
            { opens: opens(scope) },
          ),
        ),
      ),
    ),
  );
  handleForm(form, {
    message,
    validate: () => {
      if (checkedScopes(form).length > 0) return null;
      return { field: byId(scopeFieldId(held[0]!)), text: t("account.token_scope_needed") };
    },
    submit: async () => {
      const created = await api<CreatedPersonalToken>("POST", userPath(user.id, "/tokens"), {
        name: fieldValue(form, "token_name"),
        scopes: checkedScopes(form),
        expires_in_days: Number(fieldValue(form, "days")),
      });
      form.reset();
      byId("token-secret").textContent = created.token;
      setVisible(true, byId("token-new"));
      setVisible(false, form);
      byId("token-new-title").focus();
      await showTokens(user.id);
    },
  });
  handleClick(byId<HTMLButtonElement>("token-copy"), message, async () => {
    await navigator.clipboard.writeText(byId("token-secret").textContent ?? "");
    showMessage(message, t("account.token_copied"), "success");
  });
  byId("token-done").addEventListener("click", () => {
    byId("token-secret").textContent = "";
    setVisible(false, byId("token-new"));
    setVisible(true, form);
    showMessage(message, "");
    byId("tokens-title").focus();
  });
  await showTokens(user.id);
}

/** The checkbox of a scope: `token-scope-profile-read` (no `:` in an id a selector reads). */
function scopeFieldId(scope: string): string {
  return `token-scope-${scope.replace(/[^a-z0-9]+/g, "-")}`;
}

function checkedScopes(form: HTMLFormElement): string[] {
  return Array.from(form.querySelectorAll<HTMLInputElement>('input[name="scope"]:checked')).map(
    (input) => input.value,
  );
}

async function showTokens(userId: string): Promise<void> {
  const tokens = await api<PersonalTokenView[]>("GET", userPath(userId, "/tokens"));
  byId("token-list").replaceChildren(...tokens.map((token) => tokenItem(userId, token)));
  setVisible(tokens.length > 0, byId("token-list"));
  setVisible(tokens.length === 0, byId("token-empty"));
}

/** "profile:read · expires 12 Mar 2027, 14:05 · last used … from 192.0.2.1" */
function describeToken(token: PersonalTokenView): HTMLSpanElement {
  const used =
    token.last_used_at === null
      ? [t("account.token_never_used")]
      : token.last_used_address === null
        ? tNodes("account.token_last_used", { when: timeOf(token.last_used_at) })
        : tNodes("account.token_last_used_from", {
            when: timeOf(token.last_used_at),
            address: userData(token.last_used_address),
          });
  return h(
    "span",
    { className: "meta" },
    userData(token.scopes.join(", ")),
    " · ",
    ...tNodes("account.token_expires", { when: timeOf(token.expires_at) }),
    " · ",
    ...used,
  );
}

function tokenItem(userId: string, token: PersonalTokenView): HTMLLIElement {
  const message = byId("tokens-message");
  const revoke = actionButton(t("account.revoke"), token.name, "danger");
  const confirm = confirmPanel(
    t("account.token_revoke_question", { name: token.name }),
    t("account.revoke"),
    "danger",
  );
  const item = h(
    "li",
    { className: "item" },
    h(
      "div",
      { className: "item-main" },
      h("span", { className: "item-title" }, userData(token.name)),
      describeToken(token),
    ),
    h("div", { className: "actions" }, revoke),
    confirm.panel,
  );
  revoke.addEventListener("click", () => {
    setVisible(true, confirm.panel);
    confirm.confirm.focus();
  });
  confirm.cancel.addEventListener("click", () => {
    setVisible(false, confirm.panel);
    revoke.focus();
  });
  handleClick(confirm.confirm, message, async () => {
    await api("DELETE", userPath(userId, `/tokens/${encodeURIComponent(token.id)}`));
    await showTokens(userId);
    showMessage(message, t("account.token_revoked", { name: token.name }), "success");
    byId("tokens-title").focus();
  });
  item.dataset.id = token.id;
  return item;
}
