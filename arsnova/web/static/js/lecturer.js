// The lecturer page: /lecturer/ lists and creates sessions, /lecturer/{keyword} runs one.
import qrcode from "/static/vendor/qrcode.mjs";
import {
  CHOICE_TYPES,
  FEEDBACK,
  api,
  banner,
  barChart,
  connectSocket,
  countdown,
  describe,
  el,
  guestLogin,
  loadMessages,
  redrawCards,
  request,
  setBusy,
  startCountdowns,
  syncClock,
  t,
  votingClosed,
  whoAmI,
  wordCloud,
} from "/static/js/common.js";

const $ = (id) => document.getElementById(id);
const TYPES = ["abcd", "sc", "mc", "yesno", "freetext", "vote", "school"];
const MAX_OPTIONS = { abcd: 4, sc: 26, mc: 26 };
const keyword = decodeURIComponent(location.pathname.split("/")[2] || "");
const AUDIENCE_PAGE = 50; // audience questions shown at first and per "load more"
const NEWEST_PAGE = 10; // looked through per request for live arrivals
const LOOPBACK = /^(localhost|.*\.localhost|127(\.\d+){3}|\[::1\])$/i; // only this computer reaches it

const state = {
  session: null,
  questions: [],
  statistics: new Map(), // question id → {answerCounts, total, abstentions}
  freetext: new Map(), // question id → answers
  audience: null, // newest first; null until loaded
  audienceMore: false, // older ones are left to load
  audienceWork: Promise.resolve(), // loads and live arrivals, one after the other
  editing: null, // the question being edited, or null for a new one
};

async function main() {
  await loadMessages();
  fillTypeSelect();
  $("guest-login").addEventListener("click", startAsGuest);
  $("logout").addEventListener("click", logout);
  try {
    const user = await whoAmI();
    if (!user) return show("login-view");
    $("who").textContent = t("header.user", { user: user.username });
    $("logout").hidden = false;
    if (keyword) await openSession();
    else await listSessions();
  } catch (error) {
    showError(error);
  }
}

function show(view) {
  for (const id of ["login-view", "sessions-view", "session-view"]) $(id).hidden = id !== view;
}

function showError(error) {
  banner($("banner"), "error", describe(error));
}

async function startAsGuest() {
  try {
    await guestLogin();
    location.reload();
  } catch (error) {
    showError(error);
  }
}

async function logout() {
  await api("POST", "/auth/logout");
  location.assign("/");
}

// ---- the list of sessions ----

async function listSessions() {
  show("sessions-view");
  $("create-session").addEventListener("submit", createSession);
  const sessions = await api("GET", "/session/?ownedonly=true");
  const list = $("session-list");
  list.replaceChildren(
    ...sessions.map((session) =>
      el(
        "li",
        {},
        el("a", { href: `/lecturer/${session.keyword}` }, session.name),
        " ",
        el("span", { class: "muted" }, t("sessions.keyword", { keyword: session.keyword })),
      ),
    ),
  );
  $("no-sessions").hidden = sessions.length > 0;
}

async function createSession(event) {
  event.preventDefault();
  const form = event.target;
  const body = { name: form.name.value.trim() };
  if (form.shortName.value.trim()) body.shortName = form.shortName.value.trim();
  try {
    const session = await api("POST", "/session/", body);
    location.assign(`/lecturer/${session.keyword}`);
  } catch (error) {
    showError(error);
  }
}

// ---- one session ----

async function openSession() {
  const [session, configuration] = await Promise.all([
    api("GET", `/session/${encodeURIComponent(keyword)}`),
    api("GET", "/configuration/"),
  ]);
  state.session = session;
  show("session-view");
  // The server's public address (ARSNOVA_PUBLIC_URL), not necessarily the one this page was opened at.
  const publicUrl = new URL(configuration.publicUrl);
  const joinUrl = new URL(`/join/${state.session.keyword}`, publicUrl).href;
  drawLoopbackHint(publicUrl);
  document.title = `${state.session.name} · ${t("lecturer.title")}`;
  $("session-name").textContent = state.session.name;
  $("keyword").textContent = state.session.keyword.replace(/(\d{4})(\d{4})/, "$1 $2");
  $("join-link").href = joinUrl;
  $("join-link").textContent = joinUrl;
  $("qr").replaceChildren(qrImage(joinUrl));
  wireControls();
  resetQuestionForm();
  startCountdowns(drawQuestions);
  await connectSocket({
    onConnect: joined,
    onDisconnect: () => banner($("banner"), "offline", t("banner.offline")),
    events: {
      feedbackData: (counts) => drawFeedback({ counts }),
      feedbackDataRoundedAverage: (average) => drawFeedback({ average }),
      activeUserCountData: (count) => ($("active-users").textContent = t("feedback.active", { count })),
      setSessionActive: (active) => drawLock({ active }),
      lockFeedback: (feedbackLock) => drawLock({ feedbackLock }),
      answersToLecQuestionAvail: (id) => refreshResults(id),
      audQuestionAvail: (id) => queueAudience(() => addAudience(id)),
      lecQuestionAvail: () => loadQuestions(),
      lecQuestionLocked: () => loadQuestions(),
      lockVote: () => loadQuestions(),
      unlockVote: () => loadQuestions(),
    },
  });
}

/** After every (re)connection: join the room, then reload everything that may have changed. */
async function joined(socket) {
  try {
    const live = await request(socket, "setSession", { keyword: state.session.keyword });
    banner($("banner"), "offline", "");
    drawFeedback({ counts: live.feedbackData, average: live.feedbackDataRoundedAverage });
    $("active-users").textContent = t("feedback.active", { count: live.activeUserCountData });
    drawLock({ active: live.active, feedbackLock: live.feedbackLock });
    await Promise.all([loadQuestions(), queueAudience(loadAudience)]);
  } catch (error) {
    showError(error);
  }
}

/** Phones cannot open a loopback address: say so, and how to start the server so they can. */
function drawLoopbackHint(publicUrl) {
  const hint = $("loopback-hint");
  hint.hidden = !LOOPBACK.test(publicUrl.hostname);
  if (hint.hidden) return;
  const port = publicUrl.port || (publicUrl.protocol === "https:" ? "443" : "80");
  hint.replaceChildren(t("lecturer.loopbackHint", { host: publicUrl.host }), " ", el("code", {}, t("lecturer.loopbackCommand", { port })));
}

function qrImage(url) {
  const code = qrcode(0, "M");
  code.addData(url);
  code.make();
  return el("img", { src: code.createDataURL(8, 2), alt: t("lecturer.qr", { url }), class: "qr" });
}

function wireControls() {
  const base = `/session/${state.session.keyword}`;
  $("toggle-lock").addEventListener("click", () =>
    act(() => api("POST", `${base}/lock?lock=${state.session.active}`), () => drawLock({ active: !state.session.active })),
  );
  $("toggle-feedback-lock").addEventListener("click", () => {
    const lock = !state.session.feedbackLock;
    act(() => api("POST", `${base}/lockfeedbackinput?lock=${lock}`), () => drawLock({ feedbackLock: lock }));
  });
  $("reset-feedback").addEventListener("click", () => {
    if (confirm(t("feedback.resetConfirm"))) act(() => api("DELETE", `${base}/feedback`));
  });
  $("question-form").addEventListener("submit", saveQuestion);
  $("question-type").addEventListener("change", () => drawOptionEditor());
  $("add-option").addEventListener("click", () => addOptionRow({ text: "", correct: false }, true));
  $("cancel-edit").addEventListener("click", resetQuestionForm);
  $("more-audience").addEventListener("click", () => queueAudience(loadMoreAudience));
  $("delete-all-audience").addEventListener("click", () => {
    if (confirm(t("audience.deleteAllConfirm"))) act(() => api("DELETE", `${base}/interposed/`), () => queueAudience(loadAudience));
  });
}

/** Runs an API call, then `after`; shows failures in the banner. */
async function act(call, after) {
  try {
    await call();
    banner($("banner"), "error", "");
    if (after) await after();
  } catch (error) {
    showError(error);
  }
}

function drawLock(changes) {
  Object.assign(state.session, changes);
  const { active, feedbackLock } = state.session;
  $("session-state").textContent = t(active ? "lecturer.open" : "lecturer.locked");
  $("session-state").className = active ? "pill open" : "pill locked";
  $("toggle-lock").textContent = t(active ? "lecturer.lock" : "lecturer.unlock");
  $("toggle-lock").setAttribute("aria-pressed", String(!active));
  $("toggle-feedback-lock").textContent = t(feedbackLock ? "feedback.unlock" : "feedback.lock");
  $("toggle-feedback-lock").setAttribute("aria-pressed", String(Boolean(feedbackLock)));
}

const feedback = { counts: [0, 0, 0, 0], average: null };

function drawFeedback(changes) {
  Object.assign(feedback, changes);
  const most = Math.max(1, ...feedback.counts);
  $("meter").replaceChildren(
    ...FEEDBACK.map((name, index) => {
      const count = feedback.counts[index] || 0;
      const fill = el("span", { class: `bar-fill feedback-${name}` });
      fill.style.setProperty("--share", `${Math.round((100 * count) / most)}%`);
      return el(
        "li",
        { class: "bar", dataset: { feedback: name, count: String(count) } },
        el("span", { class: "bar-label" }, t(`feedback.${name}`)),
        el("span", { class: "bar-track", "aria-hidden": "true" }, fill),
        el("span", { class: "bar-count" }, String(count)),
      );
    }),
  );
  const average = feedback.average;
  $("feedback-average").textContent =
    average === null || average === undefined ? t("feedback.noVotes") : t("feedback.average", { label: t(`feedback.${FEEDBACK[average]}`) });
}

// ---- questions ----

async function loadQuestions() {
  const base = `/session/${state.session.keyword}/lecturerquestion`;
  const [questions, statistics] = await Promise.all([api("GET", `${base}/`), api("GET", `${base}/statistics`)]);
  syncClock(questions);
  state.questions = questions;
  state.statistics = new Map(statistics.map((row) => [row.questionId, row]));
  await Promise.all(questions.filter((q) => q.questionType === "freetext").map((q) => loadFreetext(q._id)));
  drawQuestions();
}

async function loadFreetext(id) {
  state.freetext.set(id, await api("GET", `/lecturerquestion/${id}/answer/?limit=1000`));
}

/** New answers: the counts (and free-text answers) of that question, without reloading the page. */
async function refreshResults(id) {
  const question = state.questions.find((q) => q._id === id);
  if (!question) return loadQuestions();
  const statistics = await api("GET", `/session/${state.session.keyword}/lecturerquestion/statistics`);
  state.statistics = new Map(statistics.map((row) => [row.questionId, row]));
  if (question.questionType === "freetext") await loadFreetext(id);
  drawQuestions();
}

function drawQuestions() {
  $("no-questions").hidden = state.questions.length > 0;
  redrawCards($("question-list"), state.questions.map(questionCard), "question");
}

function questionCard(question) {
  const statistics = state.statistics.get(question._id);
  const total = statistics?.total || 0;
  const base = `/lecturerquestion/${question._id}`;
  const toggle = (field) => () => act(() => api("PUT", base, { [field]: !question[field] }), loadQuestions);
  const results =
    question.questionType === "freetext" ? wordCloud(state.freetext.get(question._id) || []) : barChart(question, statistics);
  return el(
    "li",
    { class: "card question", tabindex: "-1", dataset: { question: question._id } },
    el(
      "div",
      { class: "card-head" },
      el("h3", {}, question.subject),
      el("span", { class: question.active ? "pill open" : "pill" }, t(question.active ? "question.published" : "question.draft")),
      el("span", { class: "pill" }, t(`type.${question.questionType}`)),
    ),
    el("p", { class: "question-text" }, question.text),
    el("p", { class: "answered", dataset: { total: String(total) } }, t("question.answered", { count: total })),
    results,
    votingControls(question),
    el(
      "div",
      { class: "actions" },
      el(
        "button",
        { type: "button", class: question.active ? "" : "primary", onclick: () => act(() => api("POST", `${base}/publish?publish=${!question.active}`), loadQuestions) },
        t(question.active ? "question.unpublish" : "question.publish"),
      ),
      el("button", { type: "button", "aria-pressed": String(question.showStatistic), onclick: toggle("showStatistic") }, t("question.showStatistic")),
      question.questionType !== "freetext" &&
        el("button", { type: "button", "aria-pressed": String(question.showAnswer), onclick: toggle("showAnswer") }, t("question.showAnswer")),
      el("button", { type: "button", "aria-pressed": String(question.allowAnswerChange), onclick: toggle("allowAnswerChange") }, t("voting.allowChange")),
      el("button", { type: "button", onclick: () => editQuestion(question) }, t("question.edit")),
      el(
        "button",
        {
          type: "button",
          class: "danger",
          onclick: () => confirm(t("question.deleteConfirm", { subject: question.subject })) && act(() => api("DELETE", base), loadQuestions),
        },
        t("question.delete"),
      ),
    ),
  );
}

/** Voting on the question: closed or open, and a countdown (by the server's clock) that closes it. */
function votingControls(question) {
  const base = `/lecturerquestion/${question._id}`;
  const closed = votingClosed(question);
  const running = Boolean(question.votingEndsAt) && !closed;
  const start = (seconds) => act(() => api("POST", `${base}/countdown?seconds=${seconds}`), loadQuestions);
  const custom = () => {
    const seconds = Number(prompt(t("voting.customPrompt"), "120"));
    if (Number.isInteger(seconds) && seconds > 0) start(seconds);
  };
  return el(
    "div",
    { class: "actions voting", role: "group", "aria-label": t("voting.countdown") },
    closed ? el("span", { class: "pill locked voting-state" }, t("voting.closed")) : countdown(question),
    el(
      "button",
      { type: "button", class: "toggle-voting", onclick: () => act(() => api("POST", `${base}/disablevote?disable=${!closed}`), loadQuestions) },
      t(closed ? "voting.open" : "voting.close"),
    ),
    running
      ? el("button", { type: "button", class: "stop-countdown", onclick: () => act(() => api("DELETE", `${base}/countdown`), loadQuestions) }, t("voting.stop"))
      : [
          ...[30, 60].map((seconds) =>
            el("button", { type: "button", class: "start-countdown", dataset: { seconds: String(seconds) }, onclick: () => start(seconds) }, t("voting.seconds", { seconds })),
          ),
          el("button", { type: "button", class: "start-countdown", onclick: custom }, t("voting.custom")),
        ],
  );
}

function resetQuestionForm() {
  state.editing = null;
  const form = $("question-form");
  form.reset();
  $("question-form-title").textContent = t("questionForm.new");
  $("save-question").textContent = t("questionForm.create");
  $("cancel-edit").hidden = true;
  drawOptionEditor([
    { text: "", correct: false },
    { text: "", correct: false },
  ]);
}

function editQuestion(question) {
  state.editing = question;
  const form = $("question-form");
  form.questionType.value = question.questionType;
  form.subject.value = question.subject;
  form.text.value = question.text;
  $("question-form-title").textContent = t("questionForm.edit", { subject: question.subject });
  $("save-question").textContent = t("questionForm.save");
  $("cancel-edit").hidden = false;
  drawOptionEditor(question.possibleAnswers);
  form.subject.focus();
  form.scrollIntoView({ block: "start" });
}

function drawOptionEditor(options) {
  const type = $("question-type").value;
  const choice = CHOICE_TYPES.includes(type);
  $("options").hidden = !choice;
  $("options").disabled = !choice; // its required inputs must not block the form
  if (!choice) return;
  if (options) {
    $("option-rows").replaceChildren();
    for (const option of options) addOptionRow(option, false);
  }
  trimOptions();
}

function addOptionRow(option, focus) {
  const rows = $("option-rows");
  const number = rows.children.length + 1;
  const text = el("input", { type: "text", name: "optionText", required: true, maxlength: "500", value: option.text, "aria-label": t("questionForm.option", { number }) });
  const row = el(
    "li",
    { class: "option-row" },
    text,
    el("label", { class: "inline" }, el("input", { type: "checkbox", name: "optionCorrect", checked: option.correct }), t("questionForm.correct")),
    el(
      "button",
      {
        type: "button",
        class: "small",
        "aria-label": t("questionForm.removeOption", { number }),
        onclick: () => {
          row.remove();
          trimOptions();
        },
      },
      "✕",
    ),
  );
  rows.append(row);
  trimOptions();
  if (focus) text.focus();
}

/** Keeps the option count within what the type allows. */
function trimOptions() {
  const rows = $("option-rows");
  const limit = MAX_OPTIONS[$("question-type").value] || 26;
  while (rows.children.length > limit) rows.lastElementChild.remove();
  $("add-option").disabled = rows.children.length >= limit;
  for (const button of rows.querySelectorAll("button")) button.disabled = rows.children.length <= 2;
}

async function saveQuestion(event) {
  event.preventDefault();
  const form = event.target;
  const body = { questionType: form.questionType.value, subject: form.subject.value.trim(), text: form.text.value.trim() };
  if (CHOICE_TYPES.includes(body.questionType)) {
    body.possibleAnswers = [...$("option-rows").children].map((row) => ({
      text: row.querySelector("[name=optionText]").value.trim(),
      correct: row.querySelector("[name=optionCorrect]").checked,
    }));
  } else if (state.editing && state.editing.questionType !== body.questionType) {
    body.possibleAnswers = null; // the new type's fixed options
  }
  const button = $("save-question");
  setBusy(button, true);
  try {
    if (state.editing) await api("PUT", `/lecturerquestion/${state.editing._id}`, body);
    else await api("POST", `/session/${state.session.keyword}/lecturerquestion/`, body);
    banner($("banner"), "error", "");
    resetQuestionForm();
    await loadQuestions();
  } catch (error) {
    showError(error);
  } finally {
    setBusy(button, false);
  }
}

// ---- audience questions ----

/** Audience work runs in order, so an arrival is added to the list loaded before it, once. */
function queueAudience(work) {
  state.audienceWork = state.audienceWork.then(work).catch(showError);
  return state.audienceWork;
}

function audiencePage(offset, limit) {
  return api("GET", `/session/${state.session.keyword}/interposed/?sort=timestamp&order=desc&limit=${limit}&offset=${offset}`);
}

/** The newest page of audience questions (on joining, and after deletions). */
async function loadAudience() {
  state.audience = await audiencePage(0, AUDIENCE_PAGE);
  state.audienceMore = state.audience.length === AUDIENCE_PAGE;
  $("audience-list").replaceChildren(...state.audience.map(audienceCard));
  drawAudience();
}

async function loadMoreAudience() {
  const known = new Set(state.audience.map((q) => q._id));
  const older = (await audiencePage(state.audience.length, AUDIENCE_PAGE)).filter((q) => !known.has(q._id));
  state.audienceMore = older.length === AUDIENCE_PAGE;
  state.audience.push(...older);
  $("audience-list").append(...older.map(audienceCard));
  drawAudience();
}

/**
 * A question just asked (`audQuestionAvail` carries its id): the newest ones are read, a few at a
 * time, down to the first already shown, and put on top; the list itself is not reloaded. (Reading
 * the question by its id would mark it read.)
 */
async function addAudience(id) {
  if (!state.audience) return; // the first load, still to come, brings it
  const known = new Set(state.audience.map((q) => q._id));
  if (known.has(id)) return;
  const arrived = [];
  for (let offset = 0; ; offset += NEWEST_PAGE) {
    const unseen = (await audiencePage(offset, NEWEST_PAGE)).filter((q) => !known.has(q._id));
    arrived.push(...unseen);
    if (unseen.length < NEWEST_PAGE) break;
  }
  if (!arrived.length) return;
  state.audience.unshift(...arrived);
  $("audience-list").prepend(...arrived.map(audienceCard));
  $("announcer").textContent = t("audience.announce", { subject: arrived[0].subject });
  drawAudience();
}

function drawAudience() {
  $("no-audience").hidden = state.audience.length > 0;
  $("more-audience").hidden = !state.audienceMore;
  drawUnread();
}

function forget(question) {
  state.audience = state.audience.filter((q) => q !== question);
  document.querySelector(`[data-audience="${question._id}"]`)?.remove();
  drawAudience();
}

function drawUnread() {
  const unread = state.audience.filter((q) => !q.read).length;
  $("audience-count").textContent = unread ? t("audience.unread", { count: unread }) : "";
}

function audienceCard(question) {
  const body = el("div", { class: "audience-body", hidden: true });
  const base = `/session/${state.session.keyword}/interposed/${question._id}`;
  const open = async (event) => {
    const details = event.currentTarget.closest("li");
    body.hidden = !body.hidden;
    event.currentTarget.setAttribute("aria-expanded", String(!body.hidden));
    if (body.hidden) return;
    try {
      const full = await api("GET", base); // marks it read
      body.replaceChildren(el("p", {}, full.text));
      details.classList.remove("unread");
      details.querySelector(".pill.new")?.remove();
      question.read = true;
      drawUnread();
    } catch (error) {
      showError(error);
    }
  };
  return el(
    "li",
    { class: question.read ? "card audience" : "card audience unread", dataset: { audience: question._id } },
    el(
      "div",
      { class: "card-head" },
      el("button", { type: "button", class: "link", "aria-expanded": "false", onclick: open }, question.subject),
      !question.read && el("span", { class: "pill new" }, t("audience.new")),
      el("time", { datetime: new Date(question.timestamp).toISOString(), class: "muted" }, new Date(question.timestamp).toLocaleTimeString()),
      el("button", { type: "button", class: "danger small", onclick: () => act(() => api("DELETE", base), () => forget(question)) }, t("audience.delete")),
    ),
    body,
  );
}

function fillTypeSelect() {
  $("question-type").replaceChildren(...TYPES.map((type) => el("option", { value: type }, t(`type.${type}`))));
}

main();
