import * as oidc from "openid-client";
import { Browser, formsOf, textOf, type Form, type Page } from "./browser.js";

/** Where the person starts: the `verification_uri_complete`, or the `verification_uri` plus the code they type. */
export type DeviceVerification = string | { verificationUri: string; userCode: string };

/**
 * Plays the person in a device flow (RFC 8628) against the demo identity provider's real pages:
 * opens the verification URL, enters the code if needed, confirms the device, picks `username` on
 * the login page, and checks that the success page is reached. Throws with the page's text otherwise.
 */
export async function approveDeviceCode(verification: DeviceVerification, username: string): Promise<void> {
  const browser = new Browser();
  const confirm = await openConfirmPage(browser, verification);
  const login = await browser.submit(confirm, formNamed(confirm, "op.deviceConfirmForm"));
  expectPage(login, "login");
  const done = await browser.submit(login, formsOf(login)[0]!, { username });
  expectPage(done, "device-success");
}

/** Like the person clicking "Abort" on the confirmation page: the device's poll then ends in access_denied. */
export async function denyDeviceCode(verification: DeviceVerification): Promise<void> {
  const browser = new Browser();
  const confirm = await openConfirmPage(browser, verification);
  const after = await browser.submit(confirm, formNamed(confirm, "op.deviceConfirmForm"), { abort: "yes" });
  expectPage(after, "device-input");
}

async function openConfirmPage(browser: Browser, verification: DeviceVerification): Promise<Page> {
  let page: Page;
  if (typeof verification === "string") {
    // The provider answers with an auto-submitting form (form_post) carrying the code and its XSRF token.
    const landing = await browser.get(verification);
    const form = formsOf(landing)[0];
    if (!form) throw new Error(`no form at ${verification}: ${textOf(landing)}`);
    page = await browser.submit(landing, form);
  } else {
    const input = await browser.get(verification.verificationUri);
    expectPage(input, "device-input");
    page = await browser.submit(input, formNamed(input, "op.deviceInputForm"), { user_code: verification.userCode });
  }
  expectPage(page, "device-confirm");
  return page;
}

function formNamed(page: Page, id: string): Form {
  const form = formsOf(page).find((f) => f.id === id);
  if (!form) throw new Error(`no form #${id} on ${page.url}: ${textOf(page)}`);
  return form;
}

function expectPage(page: Page, kind: string): void {
  if (page.kind !== kind) throw new Error(`expected the ${kind} page, got ${page.kind ?? "an unknown page"} (HTTP ${page.status} at ${page.url}): ${textOf(page)}`);
}

/**
 * A whole device sign-in for the demo provider's people client, as `portcullis login` does it: start,
 * let `username` approve it in the "browser", and return the token response (id, access and refresh tokens).
 */
export async function deviceLogin(issuer: string, clientId: string, scopes: string[], username: string): Promise<oidc.TokenEndpointResponse> {
  const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const started = await oidc.initiateDeviceAuthorization(config, { scope: scopes.join(" ") });
  const poll = oidc.pollDeviceAuthorizationGrant(config, started);
  poll.catch(() => undefined); // awaited below; this only stops an unhandled-rejection report while approving
  await approveDeviceCode(started.verification_uri_complete ?? { verificationUri: started.verification_uri, userCode: started.user_code }, username);
  return poll;
}
