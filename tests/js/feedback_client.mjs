// A browser-like lecture client on the official socket.io-client (v4):
// logs in as a guest over HTTP, connects with its JSESSIONID cookie, joins
// the lecture session and reports what it receives, one JSON object per line.
//
// usage: node feedback_client.mjs <server URL> <keyword>
// Exits 0 after the first feedbackData that counts a vote, 1 on error or
// after 20 s.
import { io } from "socket.io-client";

const [base, keyword] = process.argv.slice(2);
const report = (event, data) => console.log(JSON.stringify({ event, data }));
const fail = (message) => {
  report("error", String(message));
  process.exit(1);
};
setTimeout(() => fail("timed out"), 20_000).unref();

const login = await fetch(`${base}/auth/login?type=guest`);
if (!login.ok) fail(`login failed: ${login.status}`);
const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
report("login", (await login.json()).username);

// Browsers send the cookie by themselves; Node's client needs it spelled out.
const socket = io(base, { extraHeaders: { Cookie: cookie }, withCredentials: true });
socket.on("connect_error", (err) => fail(`connect_error: ${err.message}`));
socket.on("feedbackData", (counts) => {
  report("feedbackData", counts);
  if (counts.some((count) => count > 0)) {
    socket.disconnect();
    process.exit(0);
  }
});
socket.on("connect", async () => {
  const joined = await socket.timeout(10_000).emitWithAck("setSession", { keyword });
  report("joined", joined);
});
