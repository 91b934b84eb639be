// The account pages: /account/activate and /account/reset open the links of the e-mails (their
// token is in the fragment, #token=…, which no server log or Referer sees), /account/ changes the
// password or deletes the account of the one signed in.
import { api, describe, loadMessages, t, whoAmI } from "/static/js/common.js";

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.hash.slice(1)).get("token");

function say(id, text) {
  $("account-error").textContent = "";
  $("account-status").textContent = "";
  $(id).textContent = text;
}

const failed = (error) => say("account-error", describe(error));

function heading(key) {
  $("account-heading").textContent = t(key);
  document.title = t(key);
}

function done(text, nextKey = "account.toSessions") {
  for (const id of ["activate-view", "reset-form", "settings-view"]) $(id).hidden = true;
  say("account-status", text);
  $("next-link").textContent = t(nextKey);
  $("next").hidden = false;
  $("next-link").focus();
}

async function activatePage() {
  heading("account.activateTitle");
  if (!token) return say("account-error", t("account.linkIncomplete"));
  const user = await whoAmI().catch(() => null);
  $("keep-activate").hidden = user?.type !== "guest";
  $("activate-view").hidden = false;
  $("activate").addEventListener("click", async () => {
    try {
      const keepGuestSessions = user?.type === "guest" && $("keep-guest").checked;
      await api("POST", "/auth/activate", { token, keepGuestSessions });
      done(t("account.activated"));
    } catch (error) {
      failed(error);
    }
  });
}

function resetPage() {
  heading("account.resetTitle");
  if (!token) return say("account-error", t("account.linkIncomplete"));
  $("reset-form").hidden = false;
  $("reset-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/auth/reset/confirm", { token, password: $("reset-password").value });
      done(t("account.passwordSet"), "account.toSignIn");
    } catch (error) {
      failed(error);
    }
  });
}

async function settingsPage() {
  const user = await whoAmI();
  if (user?.type !== "arsnova") return done(t("account.signInFirst"), "account.toSignIn");
  $("account-who").textContent = t("header.user", { user: user.username });
  $("settings-view").hidden = false;
  $("password-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/auth/password", { oldPassword: $("old-password").value, newPassword: $("new-password").value });
      event.target.reset();
      say("account-status", t("account.passwordChanged"));
    } catch (error) {
      failed(error);
    }
  });
  $("delete-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!confirm(t("account.deleteConfirm"))) return;
    try {
      await api("DELETE", "/auth/account", { password: $("delete-password").value });
      done(t("account.deleted"), "account.toStart");
      $("next-link").href = "/";
    } catch (error) {
      failed(error);
    }
  });
}

await loadMessages();
try {
  if (location.pathname === "/account/activate") await activatePage();
  else if (location.pathname === "/account/reset") resetPage();
  else await settingsPage();
} catch (error) {
  failed(error);
}
