/**
 * The consent page (`/consent?interaction={uid}`, issue 21 item 4): an application that is not
 * Tessera's own asks to sign the person in; the page names it (`GET
 * /oidc/interaction/{uid}/details`), says in plain words what each scope lets it do, names who
 * is signed in (`GET /me`), and sends the answer (`POST /oidc/interaction/{uid}/consent`),
 * after which the browser goes back through the provider to the application (allowed: signed
 * in; denied: the application is told `access_denied`).
 */
import { api, ApiError } from "./lib/api.js";
import { byId, h, handleClick, setVisible } from "./lib/dom.js";
import { mountLocalePicker, t } from "./lib/i18n.js";
import { getMe } from "./lib/session.js";
import { describeError, describeScope, interactionId } from "./lib/text.js";
import { sentenceInto } from "./lib/words.js";

/** `GET /oidc/interaction/{uid}/details`. */
interface InteractionDetails {
  prompt: string;
  client: { client_id: string; name: string; first_party: boolean };
  scopes: string[];
}

const uid = interactionId(window.location.search);
const message = byId("consent-message");
const NOT_SIGNED_IN = t("consent.not_signed_in");

mountLocalePicker();

/** The interaction's own path (the sign-in page comes back to it). */
function interactionPath(id: string): string {
  return `/oidc/interaction/${id}`;
}

/** Shows what went wrong instead of the request; `signIn` offers to sign in and come back. */
function showProblem(text: string, signIn = false): void {
  setVisible(false, byId("loading"), byId("consent-step"));
  byId("problem-text").textContent = text;
  setVisible(signIn && uid !== null, byId("problem-sign-in"));
  if (uid !== null) {
    byId<HTMLAnchorElement>("problem-sign-in-link").href =
      `/?${new URLSearchParams({ next: interactionPath(uid) }).toString()}`;
  }
  setVisible(true, byId("consent-problem"));
  byId("problem-title").focus();
}

/** The words for a failure of the details or the answer. */
function problemOf(error: unknown): { text: string; signIn: boolean } {
  if (error instanceof ApiError && error.status === 401) {
    return { text: NOT_SIGNED_IN, signIn: true };
  }
  return { text: describeError(error), signIn: false };
}

/** Goes where the server says (the provider, on this origin), never elsewhere. */
function goTo(redirectTo: string): void {
  const target = new URL(redirectTo, window.location.href);
  if (target.origin !== window.location.origin) {
    throw new Error(t("consent.other_site"));
  }
  window.location.assign(target.href);
}

function wireAnswer(id: string, button: HTMLButtonElement, approve: boolean): void {
  handleClick(button, message, async () => {
    let answer: { redirect_to: string };
    try {
      answer = await api<{ redirect_to: string }>("POST", `${interactionPath(id)}/consent`, {
        approve,
      });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
        const problem = problemOf(error);
        return showProblem(problem.text, problem.signIn);
      }
      throw error;
    }
    goTo(answer.redirect_to);
  });
}

async function main(id: string): Promise<void> {
  let details: InteractionDetails;
  try {
    details = await api<InteractionDetails>("GET", `${interactionPath(id)}/details`);
  } catch (error) {
    const problem = problemOf(error);
    return showProblem(problem.text, problem.signIn);
  }
  const me = await getMe();
  if (me === null) return showProblem(NOT_SIGNED_IN, true);
  const application = byId("client-name");
  application.textContent = details.client.name;
  sentenceInto(byId("consent-title"), "consent.wants_to", { application });
  const name = byId("me-name");
  name.textContent = me.name;
  sentenceInto(byId("me-line"), "consent.signed_in_as", { name });
  const scopes = details.scopes.length === 0 ? ["openid"] : details.scopes;
  byId("scope-list").replaceChildren(
    ...scopes.map((scope) => h("li", { "data-scope": scope }, describeScope(scope))),
  );
  wireAnswer(id, byId<HTMLButtonElement>("allow"), true);
  wireAnswer(id, byId<HTMLButtonElement>("deny"), false);
  // Someone else at this browser: sign out, sign in again, and come back to this request.
  handleClick(byId<HTMLButtonElement>("switch-user"), message, async () => {
    await api("POST", "/logout");
    window.location.assign(`/?${new URLSearchParams({ next: interactionPath(id) }).toString()}`);
  });
  setVisible(false, byId("loading"));
  setVisible(true, byId("consent-step"));
  byId("consent-title").focus();
}

if (uid === null) {
  showProblem(t("consent.no_interaction"));
} else {
  main(uid).catch((error: unknown) => {
    const problem = problemOf(error);
    showProblem(problem.text, problem.signIn);
  });
}
