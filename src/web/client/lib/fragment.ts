/**
 * The token of a mailed link (`…/page#token=…`). Read once, then removed from the address bar
 * and the history entry, so it is not left on screen, in bookmarks or in a shared screenshot.
 * The fragment never reaches the server's logs or a Referer header.
 *
 * A link opened on the page it leads to changes only the fragment, which does not load the page
 * again: the page reloads then, to start over with the new token. Only for a token: the page's
 * own anchors (the skip link) change the fragment too, and reloading for them would lose the
 * token already taken.
 */
export function takeFragmentToken(): string | null {
  const token = fragmentToken();
  if (window.location.hash !== "") {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  window.addEventListener("hashchange", () => {
    if (fragmentToken() !== null) window.location.reload();
  });
  return token;
}

function fragmentToken(): string | null {
  const token = new URLSearchParams(window.location.hash.replace(/^#/, "")).get("token");
  return token === null || token === "" ? null : token;
}
