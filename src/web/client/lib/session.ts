/** Who is signed in, and signing out. */
import { api, ApiError } from "./api.js";
import type { MeView } from "./types.js";

/** The signed-in user (`GET /me`), or null when nobody is signed in. @throws ApiError otherwise. */
export async function getMe(): Promise<MeView | null> {
  try {
    return await api<MeView>("GET", "/me");
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
