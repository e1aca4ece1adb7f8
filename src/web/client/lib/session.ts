/** Who is signed in, and signing out. */
import { api, ApiError } from "./api.js";
import type { UserView } from "./types.js";

/** The signed-in user (`GET /me`), or null when nobody is signed in. @throws ApiError otherwise. */
export async function getMe(): Promise<UserView | null> {
  try {
    return await api<UserView>("GET", "/me");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** Signs out of this browser (`POST /logout`) and goes to the sign-in page. */
export async function signOut(): Promise<void> {
  await api("POST", "/logout");
  window.location.assign("/");
}

/** Sends the browser to the sign-in page, coming back to `path` afterwards. */
export function goToSignIn(path: string): void {
  window.location.replace(`/?next=${encodeURIComponent(path)}`);
}
