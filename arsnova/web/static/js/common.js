// Shared by the pages: messages, the REST API, the socket, and small DOM helpers.
// Only the public API and events are used; every text comes from i18n/<lang>.json.
import qrcode from "/static/vendor/qrcode.mjs";
import { io } from "/static/vendor/socket.io.esm.min.js";

export const LANGUAGES = ["en", "de"];
let messages = {};

/** The first of the browser's languages we have a catalogue for (else English). */
export function pickLanguage(preferred = navigator.languages || [navigator.language]) {
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

/** Loads the catalogue and fills every element marked with data-i18n*. */
export async function loadMessages() {
  const language = pickLanguage();
  const response = await fetch(`/static/i18n/${language}.json`);
  messages = await response.json();
  document.documentElement.lang = language;
  translate(document);
  return language;
}

export function t(key, values = {}) {
  const text = messages[key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

const ATTRIBUTES = { i18nPlaceholder: "placeholder", i18nLabel: "aria-label", i18nTitle: "title" };

export function translate(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const [data, attribute] of Object.entries(ATTRIBUTES)) {
    const selector = `[data-${data.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}]`;
    for (const node of root.querySelectorAll(selector)) node.setAttribute(attribute, t(node.dataset[data]));
  }
  const title = document.querySelector("title[data-i18n]");
  if (title) document.title = title.textContent;
}

/** An error answer of the API: `code` is its stable code, the message is for people. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || "http-error";
    this.retryAfterMs = body?.retryAfterMs; // a busy server's hint (`server-busy`)
  }
}

// Whether this page saw a login (whoAmI): a 401 `login-required` afterwards means it expired.
let signedIn = false;
let signInExpired = false;
let onSignInExpired = null;

/** `handler()` runs once when the login this page had ends (idle expiry, signed out elsewhere). */
export function whenSignInExpires(handler) {
  onSignInExpired = handler;
}

/** One REST call with the login cookie; JSON in, JSON (or text, or null for 204) out. */
export async function api(method, path, body) {
  const options = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new ApiError(0, { code: "offline", message: t("error.offline") });
  }
  const type = response.headers.get("Content-Type") || "";
  const data = response.status === 204 ? null : type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new ApiError(response.status, typeof data === "object" ? data : null);
    if (error.code === "login-required" && signedIn) {
      signedIn = false;
      signInExpired = true;
      onSignInExpired?.();
    }
    throw error;
  }
  return data;
}

/** The current login, or null. */
export async function whoAmI() {
  try {
    const user = await api("GET", "/auth/");
    signedIn = true;
    return user;
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

export function guestLogin() {
  return api("GET", "/auth/login?type=guest");
}

/** The words for an error code (falls back to the server's message). */
export function describe(error) {
  if (error.code === "login-required" && signInExpired) return t("signin.expired");
  const key = `error.${error.code}`;
  const text = t(key);
  return text === key ? error.message : text;
}

/** What the offline banner says: why the server refused the connection, or that it is gone. */
export function offlineText(refusal) {
  return refusal ? describe(refusal) : t("banner.offline");
}

/** `ms` give or take half: a lecture hall refused at once does not come back at once. */
export function jittered(ms) {
  return ms * (0.5 + Math.random());
}

/**
 * The Socket.IO connection at the server's advertised URL; the login cookie binds it.
 * `onConnect` runs on the first connection and after every reconnection, so the
 * page can join its session again and reload what it missed. A server too busy to
 * take the connection now says when to come back (`retryAfterMs`): the page does,
 * with jitter, and is offline meanwhile.
 */
export async function connectSocket({ onConnect, onDisconnect, events }) {
  const url = await api("GET", "/socket/url");
  // WebSocket first (workers and load balancers need no sticky sessions for it),
  // long-polling only where a proxy blocks WebSockets.
  const socket = io(url, {
    withCredentials: true,
    reconnectionDelayMax: 2000,
    transports: ["websocket", "polling"],
    tryAllTransports: true,
  });
  socket.on("connect", () => onConnect(socket));
  socket.on("disconnect", () => onDisconnect());
  socket.io.on("reconnect_attempt", () => onDisconnect());
  socket.on("connect_error", (error) => {
    const wait = error.data?.retryAfterMs;
    if (socket.active || wait === undefined) return; // the client reconnects by itself, or never
    onDisconnect(error.data);
    setTimeout(() => socket.connect(), jittered(wait));
  });
  for (const [name, handler] of Object.entries(events)) socket.on(name, handler);
  return socket;
}

/** Emits and waits for the acknowledgement; error acknowledgements throw an ApiError. */
export async function request(socket, event, payload, timeoutMs = 5000) {
  const ack = await socket.timeout(timeoutMs).emitWithAck(event, payload);
  if (ack && ack.error) throw new ApiError(400, ack.error);
  return ack;
}

// A join waits its turn while a lecture hall joins at once (`ARSNOVA_JOIN_TIMEOUT_S`, 60 s).
const JOIN_TIMEOUT_MS = 90_000;

/**
 * `setSession`: the session's live state once the socket is in its room. A server too
 * busy to queue the join (`server-busy`) is asked again after its `retryAfterMs`, with jitter.
 */
export async function joinSession(socket, keyword) {
  for (;;) {
    try {
      return await request(socket, "setSession", { keyword }, JOIN_TIMEOUT_MS);
    } catch (error) {
      if (error.code !== "server-busy" || !socket.connected) throw error;
      await new Promise((resolve) => setTimeout(resolve, jittered(error.retryAfterMs)));
    }
  }
}

/** Builds an element: el("button", {class: "x", onclick: f}, "text", child…). Text is never HTML. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** Shows (or with no text, hides) a banner: kind "offline", "notice" or "error". */
export function banner(node, kind, text) {
  node.hidden = !text;
  node.className = `banner banner-${kind}`;
  node.textContent = text || "";
}

/**
 * The session's join link at the server's public address (ARSNOVA_PUBLIC_URL), not necessarily
 * the one this page was opened at; `publicUrl` is that address.
 */
export async function joinAddress(keyword) {
  const configuration = await api("GET", "/configuration/");
  const publicUrl = new URL(configuration.publicUrl);
  return { publicUrl, joinUrl: new URL(`/join/${keyword}`, publicUrl).href };
}

/**
 * Reads the session as the control and presenter pages need it. The server sends anyone but
 * its owner (and admins) to the student page; a login made after that check (another tab)
 * gets the participant's view, without `creator`, and goes there now.
 */
export async function ownSession(keyword) {
  const session = await api("GET", `/session/${encodeURIComponent(keyword)}`);
  if ("creator" in session) return session;
  location.replace(`/join/${encodeURIComponent(keyword)}`);
  return new Promise(() => {}); // this page draws nothing more while the browser leaves it
}

export function qrImage(url) {
  const code = qrcode(0, "M");
  code.addData(url);
  code.make();
  return el("img", { src: code.createDataURL(8, 2), alt: t("lecturer.qr", { url }), class: "qr" });
}

/** 12345678 as "1234 5678": easier to read from the back of a hall. */
export function spacedKeyword(keyword) {
  return keyword.replace(/(\d{4})(\d{4})/, "$1 $2");
}

/** Who presents the session: `PUT /session/{keyword}/presented`; the id stored (or null). */
export async function presentQuestion(keyword, questionId) {
  const body = await api("PUT", `/session/${encodeURIComponent(keyword)}/presented`, { questionId });
  return body.questionId;
}

export const FEEDBACK = ["faster", "ok", "slower", "away"];

/** The feedback meter's rows: one bar per level, the longest for the most votes. */
export function feedbackRows(counts) {
  const total = Math.max(1, counts.reduce((sum, count) => sum + (count || 0), 0));
  return FEEDBACK.map((name, index) => {
    const count = counts[index] || 0;
    const fill = el("span", { class: `bar-fill feedback-${name}` });
    fill.style.setProperty("--share", `${Math.round((100 * count) / total)}%`); // of every vote
    return el(
      "li",
      { class: "bar", dataset: { feedback: name, count: String(count) } },
      el("span", { class: "bar-label" }, t(`feedback.${name}`)),
      el("span", { class: "bar-track", "aria-hidden": "true" }, fill),
      el("span", { class: "bar-count" }, String(count)),
    );
  });
}
export const CHOICE_TYPES = ["abcd", "sc", "mc"];

/** An option's place among its question's options (the same object, else the same id). */
function optionIndex(question, option) {
  const index = question.possibleAnswers.indexOf(option);
  if (index >= 0 || option.id === undefined) return index;
  return question.possibleAnswers.findIndex((other) => other.id === option.id);
}

/** "A" to "D" for the options of an ABCD question, else null. */
function optionLetter(question, option) {
  if (question.questionType !== "abcd") return null;
  return "ABCD"[optionIndex(question, option)] ?? null;
}

/**
 * What the two ends of a scale mean, or null for other types: ARSnova's "vote" is an agreement
 * scale (1 strongly agree … 5 strongly disagree), "school" the German grades (1 very good … 6 insufficient).
 */
export function scaleEnds(question) {
  const ends = { vote: () => [t("scale.agree"), t("scale.disagree")], school: () => [t("scale.veryGood"), t("scale.insufficient")] };
  if (!ends[question.questionType] || question.possibleAnswers.length < 2) return null;
  const [low, high] = ends[question.questionType]();
  const options = question.possibleAnswers;
  return [t("scale.end", { value: options[0].text, label: low }), t("scale.end", { value: options.at(-1).text, label: high })];
}

/**
 * The shown label of an option, as text: "A  It keeps its state of motion" on ABCD questions,
 * yes/no translated, a scale's two ends with their meaning ("1 = strongly agree").
 */
export function optionLabel(question, option) {
  if (question.questionType === "yesno") return t(`option.${option.text}`);
  const letter = optionLetter(question, option);
  if (letter) return `${letter}\u2002${option.text}`; // an en space: wider than one, never collapsed
  const ends = scaleEnds(question);
  const index = ends ? optionIndex(question, option) : -1;
  if (index === 0) return ends[0];
  if (ends && index === question.possibleAnswers.length - 1) return ends[1];
  return option.text;
}

/** optionLabel for the page: an ABCD question's letter set off (as text, so screen readers say it too). */
export function optionContent(question, option) {
  const letter = optionLetter(question, option);
  if (!letter) return optionLabel(question, option);
  return [el("span", { class: "option-letter" }, letter), " ", el("span", { class: "option-text" }, option.text)];
}

/**
 * Mean and median of a scale question's answers (`answerCounts`; abstentions left out), each
 * answer counting as its option's place on the scale (1 for the first); null without answers.
 */
export function scaleAverages(counts) {
  const n = counts.reduce((sum, count) => sum + (count || 0), 0);
  if (!n) return null;
  const mean = counts.reduce((sum, count, index) => sum + (count || 0) * (index + 1), 0) / n;
  // The value at a rank (0-based) of the sorted answers; the median is that of the middle one or two.
  const at = (rank) => {
    let seen = 0;
    return counts.findIndex((count) => (seen += count || 0) > rank) + 1;
  };
  return { count: n, mean, median: (at(Math.floor((n - 1) / 2)) + at(Math.floor(n / 2))) / 2 };
}

/** "Mean 2.3 · median 2 (12 answers, abstentions left out)" under a scale's chart, for the lecturer; else null. */
export function scaleSummary(question, statistics) {
  const averages = scaleEnds(question) && scaleAverages(statistics?.answerCounts || []);
  if (!averages) return null;
  const number = (value) => value.toLocaleString(document.documentElement.lang, { maximumFractionDigits: 1 });
  const values = { mean: number(averages.mean), median: number(averages.median), count: averages.count };
  return el("p", { class: "scale-summary", dataset: { mean: String(averages.mean), median: String(averages.median) } }, t("chart.scaleSummary", values));
}

/**
 * Bars for a choice or scale question: one row per option with its count and share, and a row
 * for abstentions when there are any. Shares are of every answer, abstentions included.
 * `counts` are the statistics' answerCounts; rows carry data-count for the tests.
 */
export function barChart(question, statistics) {
  const counts = statistics?.answerCounts || question.possibleAnswers.map(() => 0);
  const total = statistics?.total || 0;
  const rows = question.possibleAnswers.map((option, index) =>
    barRow(optionContent(question, option), counts[index] || 0, total, { correct: option.correct, dataset: { option: String(index) } }),
  );
  const abstentions = statistics?.abstentions || 0;
  if (abstentions) rows.push(barRow(t("chart.abstentions"), abstentions, total, { dataset: { option: "abstentions" } }));
  return el("ul", { class: "chart", "aria-label": t("chart.label") }, rows);
}

/** One bar: its label, a length for its share of `total`, and "count (share %)"; `dataset` goes on the row. */
export function barRow(label, count, total, { correct = false, dataset = {} } = {}) {
  const share = Math.round((100 * count) / Math.max(1, total));
  const bar = el("span", { class: "bar-fill" });
  bar.style.setProperty("--share", `${share}%`);
  return el(
    "li",
    { class: correct ? "bar correct" : "bar", dataset: { ...dataset, count: String(count) } },
    el("span", { class: "bar-label" }, label, correct && el("span", { class: "sr-only" }, ` (${t("chart.correct")})`)),
    el("span", { class: "bar-track", "aria-hidden": "true" }, bar),
    el("span", { class: "bar-count" }, t("chart.count", { count, share })),
  );
}

// Words a word cloud leaves out (English and German).
const STOP_WORDS = new Set(
  (
    "a an and are as at be but by do for from has have i in is it its not of on or so that the this to was " +
    "were will can just very there what which all also more we with you they he she my your our me no yes " +
    "der die das den dem des ein eine einer eines einem einen und oder ist sind war in im am an auf aus bei " +
    "mit von zu zum zur für fur nicht kein keine es er sie wir ich du ihr man sich so wie als auch aber dass " +
    "nur noch schon sehr ja nein wird wurde hat haben sein bin mir mich dir was wenn dann da hier"
  ).split(" "),
);

/** Free-text answers as a word cloud: word frequencies (any case), stop words left out, bigger when more. */
export function wordCloud(answers, limit = 40) {
  const words = new Map();
  for (const answer of answers) {
    if (answer.abstention || !answer.answerText) continue;
    for (const word of answer.answerText.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) || []) {
      const key = word.toLowerCase();
      if (STOP_WORDS.has(key)) continue;
      const entry = words.get(key) || { text: word, count: 0 };
      entry.count += 1;
      words.set(key, entry);
    }
  }
  const sorted = [...words.values()].sort((a, b) => b.count - a.count || a.text.localeCompare(b.text)).slice(0, limit);
  const most = sorted[0]?.count || 1;
  return el(
    "ul",
    { class: "cloud", "aria-label": t("chart.freetext") },
    sorted.map((word) => {
      const item = el("li", { dataset: { count: String(word.count) } }, word.text, el("span", { class: "cloud-count" }, ` ×${word.count}`));
      item.style.setProperty("--weight", String(1 + word.count / most));
      return item;
    }),
  );
}

/** Which options are correct (participants get `correct` only once revealed). */
export function correctOptions(question) {
  return question.possibleAnswers.filter((option) => option.correct);
}

/**
 * Replaces the cards in `list` (each with a data-<key> attribute), keeping the keyboard
 * focus on the same control of the same card, else on the card itself: live updates
 * redraw the cards, and a keyboard user must not lose their place.
 */
export function redrawCards(list, cards, key) {
  const controls = (card) => [...(card?.querySelectorAll("textarea, input, select, button") || [])];
  const card = document.activeElement?.closest(`[data-${key}]`);
  const index = controls(card).indexOf(document.activeElement);
  list.replaceChildren(...cards);
  if (!card) return;
  const redrawn = list.querySelector(`[data-${key}="${CSS.escape(card.dataset[key])}"]`);
  (controls(redrawn)[index] || controls(redrawn)[0] || redrawn)?.focus();
}

export function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute("aria-busy", String(busy));
}

// ---- voting: open, closed, or counting down, by the server's clock ----

let serverOffset = 0; // the server's clock minus this device's, in milliseconds

/** Questions just loaded carry `serverTime`: from it, countdowns count by the server's clock. */
export function syncClock(questions) {
  const sent = questions.find((question) => question.serverTime)?.serverTime;
  if (sent) serverOffset = sent - Date.now();
}

function secondsLeft(endsAt) {
  return Math.max(0, Math.ceil((endsAt - Date.now() - serverOffset) / 1000));
}

/** Closed by the lecturer, or its countdown ran out (the server closes it then too). */
export function votingClosed(question) {
  return Boolean(question.votingDisabled || (question.votingEndsAt && secondsLeft(question.votingEndsAt) === 0));
}

/** The remaining time of a running countdown, counting down on its own (null without one). */
export function countdown(question) {
  if (!question.votingEndsAt || votingClosed(question)) return null;
  const left = secondsLeft(question.votingEndsAt);
  return el("span", { class: "pill countdown", role: "timer", dataset: { ends: String(question.votingEndsAt), seconds: String(left) } }, t("voting.left", { seconds: left }));
}

/** Starts the countdowns' clock; `ended` runs when one reaches zero (to redraw as closed). */
export function startCountdowns(ended) {
  setInterval(() => {
    let over = false;
    for (const node of document.querySelectorAll(".countdown[data-ends]")) {
      const left = secondsLeft(Number(node.dataset.ends));
      if (node.dataset.seconds !== String(left)) {
        node.dataset.seconds = String(left);
        node.textContent = t("voting.left", { seconds: left });
      }
      over ||= left === 0;
    }
    if (over) ended();
  }, 250);
}
