import type { DemoUser } from "./demo-users.js";

/**
 * The demo identity provider's HTML: plain pages with no external resources (tests and the demo run
 * offline). Each page carries `<meta name="portcullis-page" content="…">` so the test helper that
 * plays the person (test/support/device-login.ts) can tell where it is without scraping prose.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}code{font-size:1.6rem;letter-spacing:.1em}label{display:block;margin:.4rem 0}
button{font-size:1rem;padding:.4rem 1rem;margin:.6rem .4rem 0 0}.error{color:#b00020}.muted{color:#666;font-size:.9rem}
input[type=text]{font-size:1.2rem;text-transform:uppercase;width:100%;box-sizing:border-box}`;

export function page(kind: string, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="portcullis-page" content="${escapeHtml(kind)}">
<title>${escapeHtml(title)} · Portcullis demo sign-in</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
<p class="muted">Portcullis demo identity provider: for tests and local demos only.</p>
</body>
</html>`;
}

/** Our own login page: pick a demo user (no password in the demo); signing in also grants the requested scopes. */
export function loginPage(action: string, abortAction: string, clientName: string, scope: string, users: readonly DemoUser[]): string {
  const choices = users
    .map((u, i) => `<label><input type="radio" name="username" value="${escapeHtml(u.username)}"${i === 0 ? " checked" : ""}> ${escapeHtml(u.name)} (${escapeHtml(u.username)}; ${escapeHtml(u.groups.join(", ") || "no groups")})</label>`)
    .join("\n");
  return page(
    "login",
    "Sign in",
    `<p><strong>${escapeHtml(clientName)}</strong> asks to sign you in with: ${escapeHtml(scope || "openid")}.</p>
<form method="post" action="${escapeHtml(action)}">
${choices}
<button type="submit">Sign in</button>
</form>
<form method="post" action="${escapeHtml(abortAction)}"><button type="submit">Cancel</button></form>`,
  );
}

export function deviceInputPage(form: string, error: string | undefined): string {
  const message = error ? `<p class="error">${escapeHtml(error)}</p>` : "<p>Enter the code shown on your terminal.</p>";
  return page("device-input", "Device sign-in", `${message}\n${form}\n<button type="submit" form="op.deviceInputForm">Continue</button>`);
}

export function deviceConfirmPage(form: string, clientName: string, userCode: string): string {
  return page(
    "device-confirm",
    "Confirm device",
    `<p><strong>${escapeHtml(clientName)}</strong> asks to sign in. Check that your terminal shows this code:</p>
<p><code>${escapeHtml(userCode)}</code></p>
${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>`,
  );
}

export function deviceSuccessPage(clientName: string): string {
  return page("device-success", "Signed in", `<p>You are signed in to <strong>${escapeHtml(clientName)}</strong>. You can close this page and return to your terminal.</p>`);
}

export function errorPage(error: string, description: string | undefined): string {
  return page("error", "Sign-in failed", `<p class="error">${escapeHtml(error)}</p>${description ? `<p>${escapeHtml(description)}</p>` : ""}`);
}
