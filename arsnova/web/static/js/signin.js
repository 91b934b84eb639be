// The sign-in choices this server offers (GET /configuration/: loginTypes, loginLabels,
// registrationOpen), drawn into a container of the landing and lecturer pages: single sign-on
// buttons (redirecting types such as oidc), an account's e-mail and password (with "create an
// account" and "forgot your password?"), a directory's user and password (ldap), and the guest.
// A guest signed in here may keep the sessions it made (keepGuestSessions). A failed single
// sign-on comes back with ?error=<code>, which is said in words.
import { ApiError, api, describe, el, guestLogin, t } from "/static/js/common.js";

const PASSWORD_TYPES = ["arsnova", "ldap"];
const MIN_PASSWORD = 8;

/**
 * Draws the choices into `container`. `user` is who is signed in now (a guest, or null);
 * `onSignedIn()` runs after a sign-in; `guestLabel` is the guest button's text key (no button
 * without `withGuest`); `level` the headings' level (below the page's own).
 */
export async function drawSignIn(container, { user, onSignedIn, guestLabel = "lecturer.guestLogin", level = 2, withGuest = true }) {
  const configuration = await api("GET", "/configuration/");
  const types = configuration.loginTypes;
  const labels = configuration.loginLabels || {};
  const heading = (text) => el(`h${level}`, { class: "signin-heading" }, text);
  const alert = el("p", { id: "signin-error", class: "form-error", role: "alert" });
  const status = el("p", { id: "signin-status", class: "form-status", role: "status" });
  const isGuest = user?.type === "guest";
  const keep = isGuest ? el("input", { type: "checkbox", id: "keep-guest", checked: true }) : null;
  const keepGuest = () => Boolean(keep?.checked);
  const say = (node, text) => {
    alert.textContent = "";
    status.textContent = "";
    node.textContent = text;
  };
  const failed = (error) => say(alert, describe(error));
  const signIn = async (type, userName, password) => {
    try {
      await api("POST", "/auth/login", { type, user: userName, password, keepGuestSessions: keepGuest() });
      await onSignedIn();
    } catch (error) {
      failed(error);
    }
  };

  const parts = [alert, status];
  if (keep) {
    parts.push(el("p", { class: "keep-guest" }, el("label", { class: "inline" }, keep, t("signin.keepGuest"))));
  }
  const here = location.pathname;
  for (const type of types) {
    if (type === "guest" || PASSWORD_TYPES.includes(type)) continue;
    const link = el("a", { id: `login-${type}`, class: "button big sso" }, labels[type] || t("signin.sso"));
    const target = () => {
      const query = new URLSearchParams({ type, successurl: here, failureurl: here });
      if (keepGuest()) query.set("keepguest", "1");
      return `/auth/login?${query}`;
    };
    link.href = target();
    keep?.addEventListener("change", () => (link.href = target()));
    parts.push(el("p", {}, link));
  }
  if (types.includes("arsnova")) parts.push(...accountForms(configuration, { heading, say, status, signIn, failed }));
  if (types.includes("ldap")) parts.push(directoryForm(labels.ldap || t("signin.ldap"), heading, signIn));
  if (types.includes("guest") && withGuest) {
    const only = types.length === 1;
    const guest = el("button", { type: "button", id: "guest-login", class: only ? "primary big" : "big" }, t(guestLabel));
    guest.addEventListener("click", async () => {
      try {
        await guestLogin();
        await onSignedIn();
      } catch (error) {
        failed(error);
      }
    });
    if (!only) parts.push(el("p", { class: "muted signin-or" }, t("signin.orGuest")));
    parts.push(el("p", {}, guest));
  }
  container.replaceChildren(...parts);
  const code = new URLSearchParams(location.search).get("error");
  if (code) failed(new ApiError(0, { code, message: t("signin.failed") }));
}

function field(id, label, attributes = {}) {
  return [el("label", { for: id }, label), el("input", { id, name: id, required: true, ...attributes })];
}

function accountForms(configuration, { heading, say, status, signIn, failed }) {
  const login = el(
    "form",
    { id: "account-login", class: "signin-form" },
    heading(t("signin.account")),
    ...field("signin-email", t("signin.email"), { type: "email", autocomplete: "username", maxlength: "254" }),
    ...field("signin-password", t("signin.password"), { type: "password", autocomplete: "current-password" }),
    el("button", { type: "submit", class: "primary" }, t("signin.submit")),
  );
  login.addEventListener("submit", (event) => {
    event.preventDefault();
    signIn("arsnova", login.elements["signin-email"].value, login.elements["signin-password"].value);
  });

  const register = el(
    "form",
    { id: "account-register", class: "signin-form", hidden: true },
    heading(t("signin.register")),
    ...field("register-email", t("signin.email"), { type: "email", autocomplete: "email", maxlength: "254" }),
    ...field("register-password", t("signin.newPassword"), {
      type: "password",
      autocomplete: "new-password",
      minlength: String(MIN_PASSWORD),
      "aria-describedby": "register-hint",
    }),
    el("p", { id: "register-hint", class: "muted hint" }, t("signin.passwordRule")),
    el("button", { type: "submit", class: "primary" }, t("signin.registerSubmit")),
  );
  register.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = register.elements["register-email"].value;
    try {
      await api("POST", "/auth/register", { email, password: register.elements["register-password"].value });
      register.reset();
      show(login);
      say(status, t("signin.registered", { email }));
    } catch (error) {
      failed(error);
    }
  });

  const forgot = el(
    "form",
    { id: "account-forgot", class: "signin-form", hidden: true },
    heading(t("signin.forgot")),
    el("p", {}, t("signin.forgotIntro")),
    ...field("forgot-email", t("signin.email"), { type: "email", autocomplete: "email", maxlength: "254" }),
    el("button", { type: "submit", class: "primary" }, t("signin.forgotSubmit")),
  );
  forgot.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = forgot.elements["forgot-email"].value;
    try {
      await api("POST", "/auth/reset", { email });
      show(login);
      say(status, t("signin.resetSent", { email }));
    } catch (error) {
      failed(error);
    }
  });

  const forms = [login, register, forgot];
  const show = (form) => {
    for (const other of forms) other.hidden = other !== form;
    links.hidden = form !== login;
    back.hidden = form === login;
    form.querySelector("input")?.focus();
  };
  const back = el("p", { hidden: true }, el("button", { type: "button", class: "link", id: "show-login", onclick: () => show(login) }, t("signin.back")));
  const links = configuration.registrationOpen
    ? el(
        "p",
        { class: "signin-links" },
        el("button", { type: "button", class: "link", id: "show-register", onclick: () => show(register) }, t("signin.register")),
        " · ",
        el("button", { type: "button", class: "link", id: "show-forgot", onclick: () => show(forgot) }, t("signin.forgot")),
      )
    : el("p", { id: "registration-closed", class: "muted" }, t("signin.registrationClosed"));
  return [...forms, links, back];
}

function directoryForm(label, heading, signIn) {
  const form = el(
    "form",
    { id: "ldap-login", class: "signin-form" },
    heading(label),
    ...field("ldap-user", t("signin.user"), { autocomplete: "username", maxlength: "200" }),
    ...field("ldap-password", t("signin.password"), { type: "password", autocomplete: "current-password" }),
    el("button", { type: "submit", class: "primary" }, t("signin.submit")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    signIn("ldap", form.elements["ldap-user"].value, form.elements["ldap-password"].value);
  });
  return form;
}
