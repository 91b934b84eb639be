// The landing page: join with a keyword, or start as a lecturer. A browser sent
// back here with ?notification=… (integration links) is told why in words.
import { banner, loadMessages, t } from "/static/js/common.js";

const NOTIFICATIONS = ["session-deleted", "keyword-invalid", "session-unavailable", "session-invalid"];

await loadMessages();
const notification = new URLSearchParams(location.search).get("notification");
if (NOTIFICATIONS.includes(notification)) banner(document.getElementById("banner"), "notice", t(`notification.${notification}`));
document.getElementById("join-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const keyword = document.getElementById("join-keyword").value.replace(/\s+/g, "");
  location.assign(`/join/${encodeURIComponent(keyword)}`);
});
