// The lecturer page: /lecturer/ lists and creates sessions, /lecturer/{keyword} runs one.
import {
  CHOICE_TYPES,
  FEEDBACK,
  api,
  banner,
  barChart,
  connectSocket,
  correctOptions,
  countdown,
  describe,
  el,
  feedbackRows,
  joinAddress,
  joinSession,
  loadMessages,
  offlineText,
  presentQuestion,
  qrImage,
  redrawCards,
  scaleSummary,
  setBusy,
  spacedKeyword,
  startCountdowns,
  syncClock,
  t,
  votingClosed,
  ownSession,
  whenSignInExpires,
  whoAmI,
  wordCloud,
} from "/static/js/common.js";
import { moderationPanel } from "/static/js/moderation.js";
import { drawSignIn } from "/static/js/signin.js";

const $ = (id) => document.getElementById(id);
const TYPES = ["abcd", "sc", "mc", "yesno", "freetext", "vote", "school"];
const MAX_OPTIONS = { abcd: 4, sc: 26, mc: 26 };
const keyword = decodeURIComponent(location.pathname.split("/")[2] || "");
const LOOPBACK = /^(localhost|.*\.localhost|127(\.\d+){3}|\[::1\])$/i; // only this computer reaches it

const state = {
  session: null,
  questions: [],
  statistics: new Map(), // question id → {answerCounts, total, abstentions}
  freetext: new Map(), // question id → answers
  qa: null, // the Q&A moderation panel (js/moderation.js)
  editing: null, // the question being edited, or null for a new one
  formPlaced: false, // the new-question form was opened (no questions yet) or left closed on the first load
  presented: null, // the id of the question on the presenter page (the projector), or null
};

async function main() {
  await loadMessages();
  fillTypeSelect();
  $("logout").addEventListener("click", logout);
  whenSignInExpires(signInAgain);
  try {
    const user = await whoAmI();
    if (!user) return await showSignIn();
    $("who").textContent = t("header.user", { user: user.username });
    $("logout").hidden = false;
    $("account-link").hidden = user.type !== "arsnova";
    if (user.type === "guest") await offerUpgrade(user);
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

async function showSignIn() {
  show("login-view");
  await drawSignIn($("signin"), { user: null, onSignedIn: () => location.reload() });
}

/** The login this page had ended (idle expiry): say so, and offer to sign in again right here. */
async function signInAgain() {
  banner($("banner"), "error", t("signin.expired"));
  $("who").textContent = "";
  $("logout").hidden = true;
  $("account-link").hidden = true;
  await showSignIn();
}

/** A guest may sign in for good (or register) and keep the sessions made as a guest. */
async function offerUpgrade(user) {
  const configuration = await api("GET", "/configuration/");
  if (!configuration.loginTypes.some((type) => type !== "guest")) return;
  $("upgrade").hidden = false;
  await drawSignIn($("upgrade-signin"), { user, onSignedIn: () => location.reload(), level: 3, withGuest: false });
}

async function logout() {
  await api("POST", "/auth/logout");
  location.assign("/");
}

// ---- the list of sessions ----

async function listSessions() {
  show("sessions-view");
  $("create-session").addEventListener("submit", createSession);
  await drawSessionList();
}

async function drawSessionList() {
  const sessions = await api("GET", "/session/?ownedonly=true");
  const list = $("session-list");
  list.replaceChildren(
    ...sessions.map((session) =>
      el(
        "li",
        { dataset: { session: session.keyword } },
        el("a", { href: `/lecturer/${session.keyword}` }, session.name),
        " ",
        el("span", { class: "muted" }, t("sessions.keyword", { keyword: session.keyword })),
        " ",
        el(
          "button",
          { type: "button", class: "small", onclick: () => act(async () => (await askRename(session)) && (await drawSessionList())) },
          t("session.rename"),
        ),
        " ",
        el(
          "button",
          { type: "button", class: "small danger", onclick: () => act(async () => (await askDelete(session)) && (await drawSessionList())) },
          t("session.delete"),
        ),
      ),
    ),
  );
  $("no-sessions").hidden = sessions.length > 0;
}

/** Asks for a new name: the renamed session, or null when the lecturer kept the name. */
async function askRename(session) {
  const name = prompt(t("session.renamePrompt"), session.name)?.trim();
  if (!name || name === session.name) return null;
  return api("PUT", `/session/${encodeURIComponent(session.keyword)}`, { name });
}

/** Deletes the session once the lecturer confirms (the question names it): whether it did. */
async function askDelete(session) {
  if (!confirm(t("session.deleteConfirm", { name: session.name }))) return false;
  await api("DELETE", `/session/${encodeURIComponent(session.keyword)}`);
  return true;
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
  const [session, { publicUrl, joinUrl }] = await Promise.all([
    ownSession(keyword),
    joinAddress(keyword),
  ]);
  state.session = session;
  show("session-view");
  drawLoopbackHint(publicUrl);
  document.title = `${state.session.name} · ${t("lecturer.title")}`;
  $("session-name").textContent = state.session.name;
  $("open-presenter").href = `/presenter/${encodeURIComponent(state.session.keyword)}`;
  const results = `/session/${encodeURIComponent(state.session.keyword)}/results`;
  $("download-xlsx").href = `${results}.xlsx`;
  $("download-csv").href = `${results}.csv`;
  $("keyword").textContent = spacedKeyword(state.session.keyword);
  $("join-link").href = joinUrl;
  $("join-link").textContent = joinUrl;
  drawQr(joinUrl);
  wireControls();
  resetQuestionForm();
  startCountdowns(drawQuestions);
  await connectSocket({
    onConnect: joined,
    onDisconnect: (refusal) => banner($("banner"), "offline", offlineText(refusal)),
    events: {
      feedbackData: (counts) => drawFeedback({ counts }),
      feedbackDataRoundedAverage: (average) => drawFeedback({ average }),
      activeUserCountData: (count) => ($("active-users").textContent = t("feedback.active", { count })),
      setSessionActive: (active) => drawLock({ active }),
      lockFeedback: (feedbackLock) => drawLock({ feedbackLock }),
      answersToLecQuestionAvail: (id) => refreshResults(id),
      ...state.qa.events,
      lecQuestionAvail: () => loadQuestions(),
      lecQuestionLocked: () => loadQuestions(),
      presentedQuestion: (id) => {
        state.presented = id;
        drawQuestions();
      },
      startDelayedPiRound: () => loadQuestions(),
      resetPiRound: () => loadQuestions(),
      lockVote: () => loadQuestions(),
      unlockVote: () => loadQuestions(),
    },
  });
}

/** After every (re)connection: join the room, then reload everything that may have changed. */
async function joined(socket) {
  try {
    const live = await joinSession(socket, state.session.keyword);
    banner($("banner"), "offline", "");
    drawFeedback({ counts: live.feedbackData, average: live.feedbackDataRoundedAverage });
    $("active-users").textContent = t("feedback.active", { count: live.activeUserCountData });
    drawLock({ active: live.active, feedbackLock: live.feedbackLock });
    await Promise.all([loadPresented(), loadQuestions(), state.qa.load()]);
  } catch (error) {
    showError(error);
  }
}

/** The join QR code: small in the header, a click shows it large (a room without a projector). */
function drawQr(joinUrl) {
  $("qr").replaceChildren(qrImage(joinUrl));
  $("qr-large").replaceChildren(qrImage(joinUrl));
  $("qr-dialog-keyword").textContent = spacedKeyword(state.session.keyword);
  $("qr-dialog-link").textContent = joinUrl;
  $("qr").addEventListener("click", () => $("qr-dialog").showModal());
}

/** Phones cannot open a loopback address: say so, and (one click away) how to start the server so they can. */
function drawLoopbackHint(publicUrl) {
  const hint = $("loopback-hint");
  hint.hidden = !LOOPBACK.test(publicUrl.hostname);
  if (hint.hidden) return;
  const port = publicUrl.port || (publicUrl.protocol === "https:" ? "443" : "80");
  hint.replaceChildren(
    el("summary", {}, t("lecturer.loopbackHint", { host: publicUrl.host })),
    el("p", {}, t("lecturer.loopbackHow")),
    el("code", {}, t("lecturer.loopbackCommand", { port })),
  );
}

function wireControls() {
  const base = `/session/${state.session.keyword}`;
  $("rename-session").addEventListener("click", renameSession);
  $("delete-session").addEventListener("click", deleteSession);
  $("copy-cancel").addEventListener("click", () => $("copy-dialog").close());
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
  state.qa = moderationPanel($("qa-panel"), {
    keyword: state.session.keyword,
    owner: true,
    onError: showError,
    onDone: () => banner($("banner"), "error", ""),
    announce: (text) => ($("announcer").textContent = text),
  });
}

async function renameSession() {
  await act(async () => {
    const renamed = await askRename(state.session);
    if (!renamed) return;
    state.session = { ...state.session, ...renamed };
    $("session-name").textContent = state.session.name;
    document.title = `${state.session.name} · ${t("lecturer.title")}`;
  });
}

async function deleteSession() {
  await act(async () => (await askDelete(state.session)) && location.assign("/lecturer/"));
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
  const total = feedback.counts.reduce((sum, count) => sum + (count || 0), 0);
  $("meter").replaceChildren(...feedbackRows(feedback.counts));
  $("feedback-average").textContent = feedbackSummary(feedback.counts, total);
  drawFeedbackStack(feedback.counts, total);
}

/** "Most: All good (12 of 20)": the largest group (ties named together), not a mean of the four. */
function feedbackSummary(counts, total) {
  if (!total) return t("feedback.noVotes");
  const most = Math.max(...counts);
  const label = FEEDBACK.filter((_, index) => counts[index] === most).map((name) => t(`feedback.${name}`)).join(" / ");
  return t("feedback.most", { label, count: most, total });
}

/** The four counts as one stacked bar under the summary (the bars above say it in text). */
function drawFeedbackStack(counts, total) {
  let stack = $("feedback-stack");
  if (!stack) {
    stack = el("div", { id: "feedback-stack", class: "feedback-stack", "aria-hidden": "true" });
    $("feedback-average").after(stack);
  }
  stack.replaceChildren(
    ...FEEDBACK.map((name, index) => {
      const part = el("span", { class: `feedback-${name}`, title: `${t(`feedback.${name}`)}: ${counts[index] || 0}` });
      part.style.setProperty("--share", `${Math.round((100 * (counts[index] || 0)) / Math.max(1, total))}%`);
      return part;
    }),
  );
}

// ---- questions ----

/** Which question is on the projector (missed while offline, so read again on every join). */
async function loadPresented() {
  const session = await api("GET", `/session/${encodeURIComponent(state.session.keyword)}`);
  state.presented = session.presentedQuestionId ?? null;
}

/** Puts a question on the presenter page (or takes it off); every owner's page follows. */
async function present(question) {
  const id = state.presented === question._id ? null : question._id;
  state.presented = await presentQuestion(state.session.keyword, id);
  drawQuestions();
}

async function loadQuestions() {
  const base = `/session/${state.session.keyword}/lecturerquestion`;
  const [questions, statistics] = await Promise.all([api("GET", `${base}/`), api("GET", `${base}/statistics`)]);
  syncClock(questions);
  state.questions = questions;
  if (!state.formPlaced) $("new-question").open = questions.length === 0; // the questions first, once there are some
  state.formPlaced = true;
  state.statistics = new Map(statistics.map((row) => [row.questionId, row]));
  await Promise.all(questions.filter((q) => q.questionType === "freetext").map((q) => loadFreetext(q._id)));
  drawQuestions();
}

/** The current peer-instruction round's free-text answers. */
async function loadFreetext(id) {
  const round = state.questions.find((q) => q._id === id)?.piRound || 1;
  state.freetext.set(id, await api("GET", `/lecturerquestion/${id}/answer/?limit=1000&piround=${round}`));
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
  const results = question.questionType === "freetext" ? freetextResults(question) : roundsChart(question, statistics);
  const presented = question.active && state.presented === question._id; // the presenter shows published ones
  return el(
    "li",
    { class: presented ? "card question presented" : "card question", tabindex: "-1", dataset: { question: question._id }, ...dropTarget(question) },
    el(
      "div",
      { class: "card-head" },
      el("h3", {}, question.subject),
      el("span", { class: question.active ? "pill open" : "pill" }, t(question.active ? "question.published" : "question.draft")),
      el("span", { class: "pill" }, t(`type.${question.questionType}`)),
      presented && el("span", { class: "pill new on-projector" }, t("question.onProjector")),
      question.piRound > 1 && el("span", { class: "pill round" }, t("question.round", { round: question.piRound })),
      moveButtons(question),
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
      question.active &&
        el("button", { type: "button", class: "present", "aria-pressed": String(presented), onclick: () => act(() => present(question)) }, t("question.present")),
      el("button", { type: "button", "aria-pressed": String(question.showStatistic), onclick: toggle("showStatistic") }, t("question.showStatistic")),
      // Only a question with a correct option has one to show (the server ignores it otherwise).
      correctOptions(question).length > 0 &&
        el("button", { type: "button", "aria-pressed": String(question.showAnswer), onclick: toggle("showAnswer") }, t("question.showAnswer")),
      el("button", { type: "button", "aria-pressed": String(question.allowAnswerChange), onclick: toggle("allowAnswerChange") }, t("voting.allowChange")),
      el("button", { type: "button", onclick: () => editQuestion(question) }, t("question.edit")),
      ...copyButtons(question),
      ...roundButtons(question, base),
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

/** ↑ and ↓: the question one place earlier or later, for everyone (the keyboard keeps the button). */
function moveButtons(question) {
  const index = state.questions.indexOf(question);
  const button = (direction, label, symbol) =>
    el(
      "button",
      {
        type: "button",
        class: `small move move-${direction}`,
        "aria-label": t(label, { subject: question.subject }),
        title: t(label, { subject: question.subject }),
        disabled: !state.questions[index + (direction === "up" ? -1 : 1)],
        onclick: () => act(() => moveQuestion(question, direction === "up" ? -1 : 1)),
      },
      symbol,
    );
  const handle = el(
    "span",
    { class: "drag-handle", draggable: "true", title: t("question.drag"), "aria-hidden": "true", ondragstart: (event) => event.dataTransfer.setData(DRAGGED, question._id) },
    "⠿",
  );
  return el("span", { class: "move-buttons" }, handle, button("up", "question.moveUp", "↑"), button("down", "question.moveDown", "↓"));
}

const DRAGGED = "application/x-arsnova-question"; // what a dragged handle carries: the question id

/** A card takes a dragged question: it goes to this card's place (the buttons do it by keyboard). */
function dropTarget(question) {
  return {
    ondragover: (event) => event.dataTransfer.types.includes(DRAGGED) && event.preventDefault(),
    ondrop: (event) => {
      event.preventDefault();
      const dragged = event.dataTransfer.getData(DRAGGED);
      const ids = state.questions.map((q) => q._id).filter((id) => id !== dragged);
      if (dragged === question._id || ids.length === state.questions.length) return;
      const to = state.questions.findIndex((q) => q._id === question._id);
      ids.splice(to, 0, dragged);
      act(() => saveOrder(ids));
    },
  };
}

async function saveOrder(ids) {
  await api("PUT", `/session/${state.session.keyword}/lecturerquestion/order`, { questionIds: ids });
  await loadQuestions();
}

async function moveQuestion(question, step) {
  const ids = state.questions.map((q) => q._id);
  const from = ids.indexOf(question._id);
  [ids[from], ids[from + step]] = [ids[from + step], ids[from]];
  await saveOrder(ids);
  const card = document.querySelector(`[data-question="${CSS.escape(question._id)}"]`);
  const buttons = [...card.querySelectorAll(step < 0 ? ".move-up, .move-down" : ".move-down, .move-up")];
  buttons.find((button) => !button.disabled)?.focus();
}

/** "Duplicate" (a copy in this session) and "Copy to…" (into another session of this lecturer). */
function copyButtons(question) {
  const copy = `/lecturerquestion/${question._id}/copy`;
  return [
    el("button", { type: "button", class: "duplicate", onclick: () => act(() => api("POST", copy), loadQuestions) }, t("question.duplicate")),
    el("button", { type: "button", class: "copy-to", "aria-haspopup": "dialog", onclick: () => act(() => chooseCopyTarget(question)) }, t("question.copyTo")),
  ];
}

/** The dialog offering the lecturer's other sessions; copying closes it and says where the copy went. */
async function chooseCopyTarget(question) {
  const others = (await api("GET", "/session/?ownedonly=true")).filter((session) => session.keyword !== state.session.keyword);
  const dialog = $("copy-dialog");
  $("copy-dialog-title").textContent = t("copy.title", { subject: question.subject });
  $("copy-none").hidden = others.length > 0;
  $("copy-target").replaceChildren(
    ...others.map((session) => el("option", { value: session.keyword }, t("copy.target", { name: session.name, keyword: session.keyword }))),
  );
  $("copy-target").disabled = $("copy-submit").disabled = others.length === 0;
  $("copy-form").onsubmit = (event) => {
    event.preventDefault();
    const target = others.find((session) => session.keyword === $("copy-target").value);
    act(
      () => api("POST", `/lecturerquestion/${question._id}/copy?to=${encodeURIComponent(target.keyword)}`),
      () => {
        dialog.close();
        banner($("banner"), "notice", t("copy.done", { subject: question.subject, name: target.name }));
      },
    );
  };
  dialog.showModal();
}

/** One bar chart per peer-instruction round, side by side (the current one last); one chart while there is one round. */
function roundsChart(question, statistics) {
  const rounds = statistics?.rounds || [];
  if (rounds.length < 2) return [barChart(question, statistics), scaleSummary(question, statistics)];
  return el(
    "div",
    { class: "rounds", role: "group", "aria-label": t("question.rounds") },
    rounds.map((round) =>
      el(
        "section",
        { class: round.piRound === question.piRound ? "round current" : "round", dataset: { round: String(round.piRound) } },
        el("h4", {}, t("question.roundAnswers", { round: round.piRound, count: round.total })),
        barChart(question, round),
        scaleSummary(question, round),
      ),
    ),
  );
}

/** A free-text question's answers: the word cloud, and each answer with a button to hide it from students. */
function freetextResults(question) {
  const answers = state.freetext.get(question._id) || [];
  const base = `/lecturerquestion/${question._id}/answer`;
  const written = answers.filter((answer) => !answer.abstention);
  return el(
    "div",
    { class: "freetext" },
    el("h4", {}, t("question.wordCloud")),
    wordCloud(written.filter((answer) => !answer.hidden)),
    el("h4", {}, t("question.answers")),
    el(
      "ul",
      { class: "freetext-answers" },
      written.map((answer) =>
        el(
          "li",
          { class: answer.hidden ? "hidden-answer" : "", dataset: { answer: answer._id } },
          el("span", {}, answer.answerText),
          answer.hidden && el("span", { class: "muted" }, ` (${t("question.hiddenAnswer")}) `),
          " ",
          el(
            "button",
            {
              type: "button",
              class: "small",
              "aria-pressed": String(Boolean(answer.hidden)),
              onclick: () => act(() => api("POST", `${base}/${answer._id}/hide?hide=${!answer.hidden}`), () => refreshResults(question._id)),
            },
            t(answer.hidden ? "question.unhideAnswer" : "question.hideAnswer"),
          ),
        ),
      ),
    ),
  );
}

/** "New round" (everyone answers again; the rounds are compared side by side) and "Reset answers" (all rounds, after asking). */
function roundButtons(question, base) {
  return [
    el("button", { type: "button", class: "new-round", onclick: () => act(() => api("POST", `${base}/startnewpiround`), loadQuestions) }, t("question.newRound")),
    el(
      "button",
      {
        type: "button",
        class: "danger reset-answers",
        onclick: () => confirm(t("question.resetConfirm", { subject: question.subject })) && act(() => api("DELETE", `${base}/answer/`), loadQuestions),
      },
      t("question.resetAnswers"),
    ),
  ];
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
  $("new-question").open = true;
  form.subject.focus();
  $("new-question").scrollIntoView({ block: "start" });
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
    { class: "option-row", dataset: option.id === undefined ? {} : { id: option.id } },
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
    el(
      "button",
      {
        type: "button",
        class: "small move-up",
        "aria-label": t("questionForm.moveUp", { number }),
        onclick: () => {
          row.previousElementSibling?.before(row);
          trimOptions();
        },
      },
      "↑",
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
  for (const button of rows.querySelectorAll("button:not(.move-up)")) button.disabled = rows.children.length <= 2;
  for (const button of rows.querySelectorAll(".move-up")) button.disabled = !button.closest("li").previousElementSibling;
}

async function saveQuestion(event) {
  event.preventDefault();
  const form = event.target;
  const body = { questionType: form.questionType.value, subject: form.subject.value.trim(), text: form.text.value.trim() };
  if (CHOICE_TYPES.includes(body.questionType)) {
    // Options keep their id: the answers stay with their option when options move or change.
    body.possibleAnswers = [...$("option-rows").children].map((row) => ({
      ...(row.dataset.id === undefined ? {} : { id: row.dataset.id }),
      text: row.querySelector("[name=optionText]").value.trim(),
      correct: row.querySelector("[name=optionCorrect]").checked,
    }));
  } else if (state.editing && state.editing.questionType !== body.questionType) {
    body.possibleAnswers = null; // the new type's fixed options
  }
  const button = $("save-question");
  setBusy(button, true);
  try {
    if (state.editing) await updateQuestion(state.editing, body);
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

/** Saves an edit; removing options that students chose asks first, then deletes their answers. */
async function updateQuestion(question, body) {
  const path = `/lecturerquestion/${question._id}`;
  try {
    await api("PUT", path, body);
  } catch (error) {
    if (error.code !== "option-has-answers" || !confirm(t("questionForm.removeAnsweredConfirm"))) throw error;
    await api("PUT", `${path}?force=true`, body);
  }
}

function fillTypeSelect() {
  $("question-type").replaceChildren(...TYPES.map((type) => el("option", { value: type }, t(`type.${type}`))));
}

main();
