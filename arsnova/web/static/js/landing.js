// The landing page: join with a keyword, or sign in to teach (the choices the server offers:
// account, single sign-on, directory, guest). A browser sent back here with ?notification=…
// (integration links) is told why in words; one back from a failed single sign-on (?error=…) too.
import { api, banner, loadMessages, t, whoAmI } from "/static/js/common.js";
import { drawSignIn } from "/static/js/signin.js";

const NOTIFICATIONS = ["session-deleted", "keyword-invalid", "session-unavailable", "session-invalid"];

await loadMessages();
const notification = new URLSearchParams(location.search).get("notification");
if (NOTIFICATIONS.includes(notification)) banner(document.getElementById("banner"), "notice", t(`notification.${notification}`));
document.getElementById("join-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const keyword = document.getElementById("join-keyword").value.replace(/\s+/g, "");
  location.assign(`/join/${encodeURIComponent(keyword)}`);
});

const user = await whoAmI().catch(() => null);
if (user && user.type !== "guest") {
  document.getElementById("signed-in").hidden = false;
  document.getElementById("signed-in-as").textContent = t("header.user", { user: user.username });
  document.getElementById("logout").addEventListener("click", async () => {
    await api("POST", "/auth/logout");
    location.reload();
  });
} else {
  await drawSignIn(document.getElementById("signin"), {
    user,
    onSignedIn: () => location.assign("/lecturer/"),
    level: 3,
  });
}
