import type { APIRequestContext, BrowserContext, Page } from "@playwright/test";
import { expect } from "./fixtures";

/**
 * apps/django in the browser, for oidc-django.spec.ts and oidc-django-timeout.spec.ts: its pages say who is
 * signed in ("Signed in as <username>" or "Not signed in"), and `/api/me` says it as JSON.
 */

export async function expectDjangoSignedIn(page: Page, django: string, username: string): Promise<void> {
  await expect(page).toHaveURL(`${django}/`);
  await expect(page.getByText(`Signed in as ${username}`)).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

export async function expectDjangoSignedOut(page: Page, django: string): Promise<void> {
  await expect(page).toHaveURL(`${django}/`);
  await expect(page.getByText("Not signed in")).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
}

/** Who Django's session (the cookies `request` holds: `page.request` for the browser's) belongs to. */
export async function djangoUser(request: APIRequestContext, django: string): Promise<string | null> {
  const response = await request.get(`${django}/api/me`);
  expect(response.status(), `${django}/api/me`).toBe(200);
  return ((await response.json()) as { username: string | null }).username;
}

/**
 * Asks `/api/me` every `everyMs` until Django's session is anonymous, and returns when that was seen
 * (epoch ms), or undefined if it was not by `deadline`.
 */
export async function waitForDjangoAnonymous(request: APIRequestContext, django: string, deadline: number, everyMs = 50): Promise<number | undefined> {
  for (;;) {
    if ((await djangoUser(request, django)) === null) return Date.now();
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The documents the browser loaded in its tabs (main frames), in order: where a sign-in took it. */
export function recordNavigations(context: BrowserContext): string[] {
  const seen: string[] = [];
  context.on("request", (request) => {
    if (!request.isNavigationRequest() || request.serviceWorker()) return;
    const frame = request.frame();
    if (frame === frame.page().mainFrame()) seen.push(`${request.method()} ${request.url()}`);
  });
  return seen;
}
