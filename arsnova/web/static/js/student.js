// The student page: /join/{keyword}. Answer, ask, and give pace feedback, live.
import {
  FEEDBACK,
  api,
  banner,
  barChart,
  connectSocket,
  correctOptions,
  countdown,
  describe,
  el,
  guestLogin,
  joinSession,
  loadMessages,
  offlineText,
  optionContent,
  optionLabel,
  redrawCards,
  request,
  scaleEnds,
  setBusy,
  startCountdowns,
  syncClock,
  t,
  votingClosed,
  whoAmI,
  wordCloud,
} from "/static/js/common.js";
import { moderationPanel } from "/static/js/moderation.js";
import { QaList, fetchQuestion, markers, qaPath, queue, replyBlock, scoreLine, timeOf } from "/static/js/qa.js";

const $ = (id) => document.getElementById(id);
const keyword = decodeURIComponent(location.pathname.split("/")[2] || "");

const state = {
  session: null,
  socket: null,
  questions: [],
  mine: new Map(), // question id → my answer
  statistics: new Map(),
  revealed: new Map(), // free-text question id → the answers the lecturer revealed (not hidden)
  drafts: new Map(), // question id → free text typed, or the set of ticked mc options
  changing: new Set(), // ids of questions whose answer the student is changing
  myFeedback: null,
  closed: false, // the session was deleted
  questionsShown: false, // later arrivals are announced to screen readers
  arrived: [], // ids of questions published while the page is open, newest first: on top, "New"
  qa: null, // the audience questions shown (a QaList), once joined
  qaSort: "newest",
  qaSettings: { moderation: "none", downvotes: false, open: true },
  qaEditing: null, // {id, text, subject}: the own question being edited (its draft survives redraws)
  qaWork: null, // live Q&A events, one after another
  moderation: null, // the moderation panel, for the session's Q&A co-moderators
};

async function main() {
  await loadMessages();
  try {
    await enter();
  } catch (error) {
    // An unknown keyword goes back to the landing page, which says so.
    if (error.status === 404 || error.code === "validation-failed") location.replace("/?notification=keyword-invalid");
    else notify("error", describe(error));
  }
}

/** The banner, unless the session is gone: that message stays. */
function notify(kind, text) {
  if (!state.closed) banner($("banner"), kind, text);
}

async function enter() {
  if (!(await whoAmI())) await guestLogin();
  state.session = await api("GET", `/session/${encodeURIComponent(keyword)}`); // joins it
  $("session-view").hidden = false;
  document.title = `${state.session.name} · ARSnova`;
  $("session-name").textContent = state.session.name;
  $("session-keyword").textContent = t("student.keyword", { keyword: state.session.keyword });
  drawFeedbackButtons();
  $("ask-form").addEventListener("submit", ask);
  state.qaWork = queue((error) => notify("error", describe(error)));
  for (const button of document.querySelectorAll(".qa-sort button")) button.addEventListener("click", () => sortQa(button.dataset.sort));
  $("qa-more").addEventListener("click", () => state.qaWork(moreQa));
  startCountdowns(drawQuestions);
  state.socket = await connectSocket({
    onConnect: joined,
    onDisconnect: (refusal) => notify("offline", offlineText(refusal)),
    events: {
      lecQuestionAvail: () => loadQuestions(),
      lecQuestionLocked: () => loadQuestions(),
      startDelayedPiRound: () => loadQuestions(),
      resetPiRound: () => loadQuestions(),
      answersToLecQuestionAvail: () => loadStatistics().then(drawQuestions),
      setSessionActive: (active) => drawSession({ active }),
      lockFeedback: (feedbackLock) => drawSession({ feedbackLock }),
      feedbackReset: () => feedbackReset(),
      notification: (message) => closed(message),
      qaQuestionCreated: ({ questionId, status }) => status === "approved" && state.qaWork(() => qaArrived(questionId)),
      qaQuestionApproved: ({ questionId }) => state.qaWork(() => qaArrived(questionId)),
      qaQuestionChanged: ({ questionId }) => state.qaWork(() => qaRefresh(questionId)),
      qaQuestionAnswered: ({ questionId }) => state.qaWork(() => qaRefresh(questionId)),
      // Hidden, or back in the queue: one's own (edited, caught by the word filter) stays, as waiting.
      qaQuestionHidden: ({ questionId }) => state.qaWork(() => (state.qa?.find(questionId)?.mine ? qaRefresh(questionId) : qaRemoved(questionId))),
      qaQuestionDeleted: ({ questionId }) => state.qaWork(() => qaRemoved(questionId)),
      qaQuestionHighlighted: ({ questionId }) =>
        state.qaWork(() => {
          state.qa?.highlight(questionId);
          drawQa();
        }),
      qaVotesChanged: (counts) => state.qaWork(() => state.qa?.votes(counts) && drawQa()),
      qaSettingsChanged: (settings) => state.qaWork(() => drawQaSettings(settings)),
      // The owner named this user a co-moderator, or no longer: the panel comes or goes at once.
      qaStaffChanged: ({ moderator }) => state.qaWork(() => (moderator ? moderate() : stopModerating())),
      qaQuestionsCleared: () => state.qaWork(loadQa), // all deleted at once: the (empty) first page
    },
  });
}

/** After every (re)connection: join the room again and reload what may have changed meanwhile. */
async function joined(socket) {
  if (state.closed) return;
  try {
    const live = await joinSession(socket, state.session.keyword);
    notify("offline", "");
    drawSession({ active: live.active, feedbackLock: live.feedbackLock });
    drawMyFeedback(live.myFeedback);
    await Promise.all([loadQuestions(), state.qaWork(loadQa)]);
  } catch (error) {
    if (state.closed) return; // closing the socket fails the pending join: nothing to say
    if (error.code === "session-not-found") closed({ notification: "session-deleted" });
    else notify("error", describe(error));
  }
}

/** The session was deleted (or the platform sent the user back): say so in words, stop. */
function closed(message) {
  state.closed = true;
  state.socket?.disconnect();
  banner($("banner"), "notice", t(`notification.${message.notification}`));
  $("session-view").inert = true;
  $("session-view").classList.add("closed");
}

function drawSession(changes) {
  Object.assign(state.session, changes);
  const { active, feedbackLock } = state.session;
  $("locked-notice").hidden = active;
  $("feedback-locked").hidden = !feedbackLock || !active;
  for (const button of $("feedback-buttons").querySelectorAll("button")) button.disabled = !active || feedbackLock;
  $("ask-form").querySelector("button").disabled = !active;
  drawQuestions();
  drawQa();
}

// ---- pace feedback ----

function drawFeedbackButtons() {
  $("feedback-buttons").replaceChildren(
    ...FEEDBACK.map((name, value) =>
      el(
        "button",
        // Disabled until the socket has joined the session (drawSession): a vote before that is refused.
        { type: "button", class: `feedback feedback-${name}`, "aria-pressed": "false", disabled: true, dataset: { feedback: name }, onclick: () => giveFeedback(value) },
        el("span", { class: "feedback-icon", "aria-hidden": "true" }, ["»", "✓", "«", "?"][value]),
        t(`feedback.${name}`),
      ),
    ),
  );
}

async function giveFeedback(value) {
  try {
    const ack = await request(state.socket, "setFeedback", { sessionkey: state.session.keyword, feedback: value });
    drawMyFeedback(ack.feedback);
  } catch (error) {
    notify("error", describe(error));
  }
}

/** The server ended the vote (it expired, or the lecturer reset all): say so, not silently. */
function feedbackReset() {
  const had = state.myFeedback !== null && state.myFeedback !== undefined;
  drawMyFeedback(null);
  if (had) $("my-feedback").textContent = t("student.feedbackExpired");
}

function drawMyFeedback(value) {
  state.myFeedback = value;
  for (const button of $("feedback-buttons").querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.feedback === FEEDBACK[value]));
  }
  $("my-feedback").textContent = value === null || value === undefined ? "" : t("student.myFeedback", { label: t(`feedback.${FEEDBACK[value]}`) });
}

// ---- questions ----

async function loadQuestions() {
  const base = `/session/${state.session.keyword}/lecturerquestion`;
  try {
    const [questions, unanswered] = await Promise.all([api("GET", `${base}/`), api("GET", `${base}/?unansweredonly=true`)]);
    const open = new Set(unanswered.map((q) => q._id));
    for (const id of open) state.mine.delete(id); // a new round (or a reset): answer again
    const answered = questions.filter((q) => !open.has(q._id) && !state.mine.has(q._id));
    const mine = await Promise.all(answered.map((q) => api("GET", `/lecturerquestion/${q._id}/answer/?createdonly=true`)));
    answered.forEach((q, index) => state.mine.set(q._id, mine[index]));
    const known = new Set(state.questions.map((q) => q._id));
    const arrived = questions.find((q) => !known.has(q._id));
    if (state.questionsShown && arrived) $("announcer").textContent = t("student.newQuestion", { subject: arrived.subject });
    if (state.questionsShown) noteArrivals(questions, known);
    syncClock(questions);
    state.questions = arrivalsFirst(questions);
    state.questionsShown = true;
    await loadStatistics();
    drawQuestions();
  } catch (error) {
    notify("error", describe(error));
  }
}

/** Questions that appear while the page is open go on top, newest first, until it is reloaded. */
function noteArrivals(questions, known) {
  const ids = new Set(questions.map((q) => q._id));
  const fresh = questions.filter((q) => !known.has(q._id)).map((q) => q._id);
  state.arrived = [...fresh.reverse(), ...state.arrived.filter((id) => ids.has(id) && !fresh.includes(id))];
}

function arrivalsFirst(questions) {
  const rank = (q) => (state.arrived.includes(q._id) ? state.arrived.indexOf(q._id) : state.arrived.length);
  return questions.map((q, index) => ({ q, index })).sort((a, b) => rank(a.q) - rank(b.q) || a.index - b.index).map(({ q }) => q);
}

async function loadStatistics() {
  const rows = await api("GET", `/session/${state.session.keyword}/lecturerquestion/statistics`);
  state.statistics = new Map(rows.map((row) => [row.questionId, row]));
  const shown = state.questions.filter((q) => q.questionType === "freetext" && state.statistics.has(q._id));
  const revealed = await Promise.all(shown.map((q) => api("GET", `/lecturerquestion/${q._id}/answer/?limit=1000`)));
  state.revealed = new Map(shown.map((q, index) => [q._id, revealed[index]]));
}

function drawQuestions() {
  if (!state.session) return;
  $("no-questions").hidden = state.questions.length > 0;
  redrawCards($("questions"), state.questions.map(questionCard), "question");
}

function questionCard(question) {
  const mine = state.mine.get(question._id);
  const statistics = state.statistics.get(question._id);
  return el(
    "li",
    { class: "card question", tabindex: "-1", dataset: { question: question._id } },
    !mine && state.arrived.includes(question._id) && el("span", { class: "pill new arrived" }, t("student.new")),
    el("h3", {}, question.subject),
    el("p", { class: "question-text" }, question.text),
    votingState(question),
    !mine && question.piRound > 1 && el("p", { class: "answer-again" }, t("student.answerAgain", { round: question.piRound })),
    mine && (votingClosed(question) || !state.changing.has(question._id)) ? myAnswer(question, mine) : answerForm(question),
    !mine && revealedCorrect(question),
    statistics &&
      el(
        "div",
        { class: "results" },
        el("h4", {}, t("student.results", { count: statistics.total })),
        question.questionType === "freetext" ? revealedAnswers(question) : barChart(question, statistics),
      ),
  );
}

/** The options an answer chose, by id (answers made before ids existed: by text). */
function chosenOptions(question, answer) {
  if (answer.abstention) return [];
  if (answer.choices) return question.possibleAnswers.filter((option) => answer.choices.includes(option.id));
  return question.possibleAnswers.filter((option) => option.text === answer.answerText);
}

function labels(question, options) {
  return options.map((option) => optionLabel(question, option)).join(", ");
}

/**
 * The student's own answer; once the lecturer reveals the correct answer, whether it was right
 * (green ✓ or red ✗, and in words: the colour and the mark are not all a screen reader hears).
 */
function myAnswer(question, answer) {
  const chosen = chosenOptions(question, answer);
  const text = answer.abstention ? t("student.abstained") : chosen.length ? labels(question, chosen) : answer.answerText;
  const yours = t("student.yourAnswer", { answer: text });
  const correct = correctOptions(question);
  if (!question.showAnswer || !correct.length) return el("p", { class: "my-answer" }, yours, changeAnswerButton(question));
  const right = !answer.abstention && chosen.length === correct.length && chosen.every((option) => option.correct);
  if (right) return el("p", { class: "my-answer right" }, el("span", { "aria-hidden": "true" }, "✓ "), t("student.answerRight", { answer: yours }));
  return el(
    "p",
    { class: "my-answer wrong" },
    el("span", { "aria-hidden": "true" }, "✗ "),
    t(answer.abstention ? "student.answerAbstained" : "student.answerWrong", { answer: yours, correct: labels(question, correct) }),
  );
}

/** The correct answer for those who did not answer, once revealed. */
function revealedCorrect(question) {
  const correct = correctOptions(question);
  if (!question.showAnswer || !correct.length) return null;
  return el("p", { class: "correct-answer" }, t("student.correctAnswer", { correct: labels(question, correct) }));
}

/** A free-text question's answers once the lecturer shows the results (hidden ones left out). */
function revealedAnswers(question) {
  const answers = state.revealed.get(question._id) || [];
  return el(
    "div",
    {},
    wordCloud(answers),
    el("ul", { class: "revealed-answers" }, answers.map((answer) => el("li", {}, answer.answerText))),
  );
}

/** The time left to answer while a countdown runs; a clear notice once voting is closed. */
function votingState(question) {
  if (votingClosed(question)) return el("p", { class: "notice voting-closed", role: "status" }, t("voting.closedNotice"));
  return countdown(question);
}

/** Where the lecturer allows it, an answer can be changed while voting is open. */
function changeAnswerButton(question) {
  if (!question.allowAnswerChange || votingClosed(question) || !state.session.active) return null;
  const change = () => {
    state.changing.add(question._id);
    drawQuestions();
  };
  return el("button", { type: "button", class: "small change-answer", onclick: change }, t("voting.changeAnswer"));
}

/** Redrawn on every change, so what the student typed or ticked lives in state.drafts. */
function answerForm(question) {
  const disabled = !state.session.active || votingClosed(question);
  const abstain = el("button", { type: "button", class: "abstain", disabled, onclick: (e) => answer(question, { abstention: true }, e.currentTarget) }, t("student.abstain"));
  if (question.questionType === "freetext") {
    const id = `answer-${question._id}`;
    const text = el("textarea", { id, rows: "3", maxlength: "2000", required: true, disabled });
    text.value = state.drafts.get(question._id) || "";
    text.addEventListener("input", () => state.drafts.set(question._id, text.value));
    return el(
      "form",
      { class: "answer", onsubmit: (e) => (e.preventDefault(), answer(question, { answerText: text.value.trim() }, e.submitter)) },
      el("label", { for: id }, t("student.yourText")),
      text,
      el("div", { class: "actions" }, el("button", { type: "submit", class: "primary big", disabled }, t("student.send")), abstain),
    );
  }
  if (question.questionType === "mc") {
    const ticked = state.drafts.get(question._id) || new Set();
    state.drafts.set(question._id, ticked);
    const boxes = question.possibleAnswers.map((option, index) =>
      el("input", {
        type: "checkbox",
        disabled,
        checked: ticked.has(index),
        onchange: (e) => (e.currentTarget.checked ? ticked.add(index) : ticked.delete(index)),
      }),
    );
    return el(
      "form",
      {
        class: "answer",
        onsubmit: (e) => {
          e.preventDefault();
          const flags = boxes.map((box) => (box.checked ? "1" : "0"));
          if (!flags.includes("1")) return notify("error", t("student.pickOne"));
          answer(question, { answerText: flags.join(",") }, e.submitter);
        },
      },
      el(
        "fieldset",
        {},
        el("legend", {}, t("student.pickAny")),
        question.possibleAnswers.map((option, index) => el("label", { class: "choice" }, boxes[index], optionLabel(question, option))),
      ),
      el("div", { class: "actions" }, el("button", { type: "submit", class: "primary big", disabled }, t("student.send")), abstain),
    );
  }
  // A scale's buttons show its numbers; what its two ends mean is said under them.
  const ends = scaleEnds(question);
  const endsId = `ends-${question._id}`;
  return el(
    "div",
    { class: `answer options options-${question.questionType}`, role: "group", "aria-label": t("student.pickOne"), "aria-describedby": ends && endsId },
    question.possibleAnswers.map((option) =>
      el(
        "button",
        { type: "button", class: "choice big", disabled, onclick: (e) => answer(question, { answerText: option.text }, e.currentTarget) },
        ends ? option.text : optionContent(question, option),
      ),
    ),
    ends && el("p", { class: "scale-ends", id: endsId }, el("span", {}, ends[0]), " ", el("span", {}, ends[1])),
    abstain,
  );
}

async function answer(question, body, button) {
  if (body.answerText === "") return;
  setBusy(button, true);
  try {
    const mine = state.mine.get(question._id);
    const created = mine
      ? (await api("PUT", `/lecturerquestion/${question._id}/answer/${mine._id}`, body))[0]
      : await api("POST", `/lecturerquestion/${question._id}/answer/`, body);
    state.mine.set(question._id, created);
    state.changing.delete(question._id);
    state.drafts.delete(question._id);
    notify("error", "");
    drawQuestions();
  } catch (error) {
    setBusy(button, false);
    if (error.code === "already-answered") return loadQuestions();
    notify("error", describe(error));
  }
}

// ---- audience Q&A ----

/** The settings and the first page of the questions (on joining, and again after a reconnection). */
async function loadQa() {
  const [settings, list] = await Promise.all([api("GET", qaPath(state.session.keyword, "settings")), newQaList(state.qaSort)]);
  state.qa = list;
  drawQaSettings(settings);
  // Only Q&A staff read the moderators: this user is one (the owner named them), so they moderate here.
  if (settings.moderators !== undefined) await moderate();
}

async function moderate() {
  if (!state.moderation) {
    $("moderation").hidden = false;
    state.moderation = moderationPanel($("moderation"), {
      keyword: state.session.keyword,
      prefix: "mod-",
      onError: (error) => notify("error", describe(error)),
      onDone: () => notify("error", ""),
      announce: (text) => ($("announcer").textContent = text),
    });
    for (const [name, handler] of Object.entries(state.moderation.events)) state.socket.on(name, handler);
  }
  await state.moderation.load();
}

function stopModerating() {
  if (!state.moderation) return;
  for (const [name, handler] of Object.entries(state.moderation.events)) state.socket.off(name, handler);
  state.moderation = null;
  $("moderation").hidden = true;
  $("moderation").replaceChildren();
}

async function newQaList(sort) {
  const list = new QaList(state.session.keyword, { status: "approved", sort });
  await list.load();
  return list;
}

/** Newest or top first: the first page in that order. */
async function sortQa(sort) {
  if (sort === state.qaSort) return;
  state.qaSort = sort;
  for (const button of document.querySelectorAll(".qa-sort button")) button.setAttribute("aria-pressed", String(button.dataset.sort === sort));
  await state.qaWork(async () => {
    state.qa = await newQaList(sort);
    drawQa();
  });
}

async function moreQa() {
  await state.qa.more();
  drawQa();
}

/** A question asked (or approved) just now: read it, and show it where the order puts it. */
async function qaArrived(id) {
  if (!state.qa) return; // the first load, still to come, brings it
  const question = await fetchQuestion(state.session.keyword, id);
  if (!question || !shownToMe(question)) return;
  const known = state.qa.find(id);
  state.qa.place(question, { arrived: true });
  if (!known && !question.mine) $("announcer").textContent = t("qa.announce");
  if (question.mine && known?.status === "pending") $("announcer").textContent = t("qa.announceApproved");
  drawQa();
}

/** A question changed (text, reply, answered, pinned): read it again, wherever it is. */
async function qaRefresh(id) {
  if (!state.qa) return;
  const question = await fetchQuestion(state.session.keyword, id);
  const before = state.qa.find(id);
  if (!question || !shownToMe(question)) state.qa.remove(id);
  else state.qa.place(question);
  if (question?.mine && question.answered && before && !before.answered) $("announcer").textContent = t("qa.announceAnswered");
  drawQa();
}

/** Approved questions, and one's own while they wait for approval. */
function shownToMe(question) {
  return question.status === "approved" || (question.mine && question.status === "pending");
}

function qaRemoved(id) {
  if (state.qa?.remove(id)) drawQa();
  if (state.qaEditing?.id === id) state.qaEditing = null;
}

function drawQaSettings(settings) {
  state.qaSettings = { ...state.qaSettings, ...settings };
  drawQa();
}

function drawQa() {
  if (!state.qa || !state.session) return;
  const { open } = state.qaSettings;
  $("qa-closed").hidden = open;
  $("ask-form").hidden = !open;
  $("qa-none").hidden = state.qa.total > 0;
  $("qa-count").textContent = state.qa.total ? t(state.qa.total === 1 ? "qa.countOne" : "qa.count", { count: state.qa.total }) : "";
  $("qa-more").hidden = !state.qa.hasMore;
  redrawCards($("qa-list"), state.qa.items.map(qaCard), "qa");
}

function qaCard(question) {
  const editing = state.qaEditing?.id === question._id && !question.answered; // answered: no more edits
  return el(
    "li",
    { class: question.mine ? "card qa-question mine" : "card qa-question", tabindex: "-1", dataset: { qa: question._id, score: String(question.score) } },
    voteButtons(question),
    el(
      "div",
      { class: "qa-body" },
      el(
        "div",
        { class: "qa-meta" },
        question.mine && el("span", { class: "pill qa-mine" }, t("qa.mine")),
        question.status === "pending" && el("span", { class: "pill qa-waiting" }, t("qa.waitingApproval")),
        markers(question),
        timeOf(question),
      ),
      editing
        ? editForm(question)
        : [question.subject && el("h3", { class: "qa-subject" }, question.subject), el("p", { class: "qa-text" }, question.text)],
      replyBlock(question),
      question.mine && !question.answered && !editing && ownActions(question),
    ),
  );
}

/** Up (and down, where the lecturer allows it); pressing one's vote again takes it back. */
function voteButtons(question) {
  const { downvotes } = state.qaSettings;
  const disabled = !state.session.active || question.status !== "approved";
  const vote = (value) => (event) => qaVote(question, value, event.currentTarget);
  const label = question.subject || question.text.slice(0, 60);
  return el(
    "div",
    { class: "qa-votes", role: "group", "aria-label": t("qa.voteGroup", { question: label }) },
    el(
      "button",
      { type: "button", class: "vote vote-up", disabled, "aria-pressed": String(question.myVote === 1), "aria-label": t("qa.upvote"), onclick: vote(1) },
      el("span", { "aria-hidden": "true" }, "▲"),
    ),
    scoreLine(question, downvotes, { bare: true }),
    downvotes &&
      el(
        "button",
        { type: "button", class: "vote vote-down", disabled, "aria-pressed": String(question.myVote === -1), "aria-label": t("qa.downvote"), onclick: vote(-1) },
        el("span", { "aria-hidden": "true" }, "▼"),
      ),
  );
}

async function qaVote(question, value, button) {
  const path = qaPath(state.session.keyword, `questions/${question._id}/vote`);
  setBusy(button, true);
  try {
    const voted = question.myVote === value ? await api("DELETE", path) : await api("PUT", path, { value });
    state.qa.place(voted);
    notify("error", "");
  } catch (error) {
    notify("error", describe(error));
  } finally {
    setBusy(button, false);
    drawQa();
  }
}

function ownActions(question) {
  const edit = () => {
    state.qaEditing = { id: question._id, text: question.text, subject: question.subject || "" };
    drawQa();
    document.querySelector(`[data-qa="${question._id}"] textarea`)?.focus();
  };
  const remove = async () => {
    if (!confirm(t("qa.deleteConfirm"))) return;
    try {
      await api("DELETE", qaPath(state.session.keyword, `questions/${question._id}`));
      qaRemoved(question._id);
    } catch (error) {
      notify("error", describe(error));
    }
  };
  return el(
    "div",
    { class: "actions qa-own" },
    el("button", { type: "button", class: "qa-edit", onclick: edit }, t("qa.edit")),
    el("button", { type: "button", class: "danger qa-delete", onclick: remove }, t("qa.delete")),
  );
}

/** Editing one's own question in place; what is typed lives in state.qaEditing (cards are redrawn live). */
function editForm(question) {
  const draft = state.qaEditing;
  const textId = `qa-edit-text-${question._id}`;
  const subjectId = `qa-edit-subject-${question._id}`;
  const text = el("textarea", { id: textId, rows: "3", maxlength: "5000", required: true });
  text.value = draft.text;
  text.addEventListener("input", () => (draft.text = text.value));
  const subject = el("input", { id: subjectId, maxlength: "200", autocomplete: "off" });
  subject.value = draft.subject;
  subject.addEventListener("input", () => (draft.subject = subject.value));
  const save = async (event) => {
    event.preventDefault();
    const body = { text: draft.text.trim(), subject: draft.subject.trim() };
    if (!body.text) return;
    try {
      const saved = await api("PATCH", qaPath(state.session.keyword, `questions/${question._id}`), body);
      state.qaEditing = null;
      state.qa.place(saved);
      notify("error", "");
    } catch (error) {
      notify("error", describe(error));
    }
    drawQa();
  };
  const cancel = () => {
    state.qaEditing = null;
    drawQa();
  };
  return el(
    "form",
    { class: "qa-edit-form", onsubmit: save },
    el("label", { for: textId }, t("student.askText")),
    text,
    el("label", { for: subjectId }, t("qa.subjectOptional")),
    subject,
    el(
      "div",
      { class: "actions" },
      el("button", { type: "submit", class: "primary" }, t("qa.save")),
      el("button", { type: "button", onclick: cancel }, t("qa.cancel")),
    ),
  );
}

async function ask(event) {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector("button");
  const body = { text: form.text.value.trim() };
  if (!body.text) return;
  if (form.subject.value.trim()) body.subject = form.subject.value.trim();
  setBusy(button, true);
  try {
    const question = await api("POST", qaPath(state.session.keyword, "questions"), body);
    form.reset();
    const approved = question.status === "approved";
    $("ask-status").textContent = t(approved ? "student.asked" : "qa.askedPending");
    if (state.qa && shownToMe(question)) {
      state.qa.place(question, { arrived: true });
      drawQa();
    }
  } catch (error) {
    $("ask-status").textContent = describe(error);
  } finally {
    setBusy(button, !state.session.active);
  }
}

main();
