// The presenter page (/presenter/{keyword}), for the projector: one published question at a time,
// the one the owner presents (PUT /session/{keyword}/presented), which the control page follows too.
// Before the first question (and when none is presented) it shows how to join. Keys (a presenter
// remote sends the arrows and PageUp/PageDown): next and previous question, R results, A correct
// answer, Q the QR code larger, T light or dark, F full screen. An audience question the lecturer
// highlights (Q&A) is shown large instead, until it is no longer highlighted (H ends it from here).
import {
  api,
  banner,
  barChart,
  barRow,
  connectSocket,
  describe,
  el,
  feedbackRows,
  joinAddress,
  joinSession,
  loadMessages,
  offlineText,
  optionContent,
  ownSession,
  presentQuestion,
  qrImage,
  scaleSummary,
  spacedKeyword,
  t,
  whoAmI,
  wordCloud,
} from "/static/js/common.js";
import { fetchQuestion, qaPath, queue } from "/static/js/qa.js";

const $ = (id) => document.getElementById(id);
const keyword = decodeURIComponent(location.pathname.split("/")[2] || "");
const THEME = "arsnova.presenter.theme"; // remembered per browser
const NEXT = ["ArrowRight", "ArrowDown", "PageDown"];
const PREVIOUS = ["ArrowLeft", "ArrowUp", "PageUp"];

const state = {
  session: null,
  questions: [], // the published ones, in the session's order
  presented: null, // the id of the question shown, or null: the join screen
  statistics: new Map(), // question id → {answerCounts, total, abstentions, rounds}
  freetext: [], // the answers of the question shown, when it is a free-text one
  highlighted: null, // the highlighted audience question (Q&A), shown instead of the rest
  qaWork: null, // its live events, one after another
};

async function main() {
  setTheme(localStorage.getItem(THEME) || "dark");
  await loadMessages();
  try {
    const user = await whoAmI();
    if (!user) return location.assign(`/lecturer/${encodeURIComponent(keyword)}`); // it offers a login
    const [session, { joinUrl, publicUrl }] = await Promise.all([
      ownSession(keyword),
      joinAddress(keyword),
    ]);
    state.session = session;
    document.title = `${session.name} · ${t("presenter.title")}`;
    drawJoin(joinUrl, publicUrl);
    wireControls();
    state.qaWork = queue(showError);
    const highlighted = (id) => state.qaWork(() => showHighlighted(id));
    const changed = (id) => id === state.highlighted?._id && highlighted(id);
    await connectSocket({
      onConnect: joined,
      onDisconnect: (refusal) => banner($("banner"), "offline", offlineText(refusal)),
      events: {
        presentedQuestion: (id) => follow(id),
        feedbackData: (counts) => $("gauge").replaceChildren(...feedbackRows(counts)),
        activeUserCountData: (count) => ($("online").textContent = t("feedback.active", { count })),
        answersToLecQuestionAvail: (id) => id === state.presented && loadResults().then(draw, showError),
        lecQuestionAvail: () => loadQuestions().catch(showError),
        lecQuestionLocked: () => loadQuestions().catch(showError),
        startDelayedPiRound: () => loadQuestions().catch(showError), // a new round: its bars join the chart
        resetPiRound: () => loadQuestions().catch(showError),
        qaQuestionHighlighted: ({ questionId }) => highlighted(questionId),
        qaQuestionChanged: ({ questionId }) => changed(questionId),
        qaQuestionAnswered: ({ questionId }) => changed(questionId),
        qaQuestionHidden: ({ questionId }) => changed(questionId),
        qaQuestionDeleted: ({ questionId }) => changed(questionId),
        qaQuestionsCleared: () => state.highlighted && highlighted(null),
        qaVotesChanged: ({ questionId, upvotes, downvotes, score }) => {
          if (questionId !== state.highlighted?._id) return;
          state.highlighted = { ...state.highlighted, upvotes, downvotes, score };
          draw();
        },
      },
    });
  } catch (error) {
    showError(error);
  }
}

function showError(error) {
  banner($("banner"), "error", describe(error));
}

/** After every (re)connection: join the room, then read what may have changed meanwhile. */
async function joined(socket) {
  try {
    const live = await joinSession(socket, state.session.keyword);
    banner($("banner"), "offline", "");
    $("gauge").replaceChildren(...feedbackRows(live.feedbackData));
    $("online").textContent = t("feedback.active", { count: live.activeUserCountData });
    const session = await api("GET", `/session/${encodeURIComponent(state.session.keyword)}`);
    state.presented = session.presentedQuestionId ?? null;
    await Promise.all([loadQuestions(), state.qaWork(findHighlighted)]);
  } catch (error) {
    showError(error);
  }
}

async function loadQuestions() {
  const questions = await api("GET", `/session/${encodeURIComponent(state.session.keyword)}/lecturerquestion/`);
  state.questions = questions.filter((question) => question.active);
  await loadResults();
  draw();
}

/** The counts of every question, and the answers of the free-text question shown. */
async function loadResults() {
  const base = `/session/${encodeURIComponent(state.session.keyword)}/lecturerquestion`;
  const statistics = await api("GET", `${base}/statistics`);
  state.statistics = new Map(statistics.map((row) => [row.questionId, row]));
  const question = current();
  state.freetext = question?.questionType === "freetext" ? await api("GET", `/lecturerquestion/${question._id}/answer/?limit=1000`) : [];
}

function current() {
  return state.questions.find((question) => question._id === state.presented) || null;
}

/** Another question was presented (here, on the control page or in another tab). */
async function follow(id) {
  if (id === state.presented) return;
  state.presented = id;
  try {
    if (id !== null && !current()) return await loadQuestions(); // published since the last load
    await loadResults();
    draw();
  } catch (error) {
    showError(error);
  }
}

/** The highlighted audience question, if any (it may have changed while this page was offline). */
async function findHighlighted() {
  const settings = await api("GET", qaPath(state.session.keyword, "settings"));
  await showHighlighted(settings.highlightedId ?? null);
}

/** Another audience question highlighted (or none: null), or the highlighted one changed. */
async function showHighlighted(id) {
  const question = id === null ? null : await fetchQuestion(state.session.keyword, id);
  state.highlighted = question?.highlighted && question.status === "approved" ? question : null;
  draw();
}

/** Ends the highlight from here (H): the presenter goes back to the lecture's question. */
async function endHighlight() {
  const question = state.highlighted;
  if (!question) return;
  try {
    await api("PATCH", qaPath(state.session.keyword, `questions/${question._id}`), { highlighted: false });
    await state.qaWork(() => showHighlighted(question._id));
  } catch (error) {
    showError(error);
  }
}

/** Next (+1) or previous (-1): the join screen comes before the first question. */
async function step(delta) {
  const order = [null, ...state.questions.map((question) => question._id)];
  const index = Math.max(0, order.indexOf(current()?._id ?? null));
  const target = order[Math.min(order.length - 1, Math.max(0, index + delta))];
  if (target === state.presented) return;
  try {
    await follow(await presentQuestion(state.session.keyword, target));
  } catch (error) {
    showError(error);
  }
}

/** Shows or hides the results or the correct answer, for the students too (the question's flags). */
async function reveal(field) {
  const question = current();
  if (!question || (field === "showAnswer" && !hasCorrect(question))) return;
  try {
    await api("PUT", `/lecturerquestion/${question._id}`, { [field]: !question[field] });
    await loadQuestions();
  } catch (error) {
    showError(error);
  }
}

function hasCorrect(question) {
  return question.possibleAnswers.some((option) => option.correct);
}

// ---- drawing ----

function drawJoin(joinUrl, publicUrl) {
  const spaced = spacedKeyword(state.session.keyword);
  $("session-name").textContent = state.session.name;
  $("join-at").textContent = t("presenter.joinAt", { host: publicUrl.host });
  $("join-keyword").textContent = spaced;
  $("join-qr").replaceChildren(qrImage(joinUrl));
  $("corner-keyword").textContent = spaced;
  $("corner-qr").replaceChildren(qrImage(joinUrl));
  $("control-page").href = `/lecturer/${encodeURIComponent(state.session.keyword)}`;
}

function draw() {
  const question = current();
  const audience = state.highlighted;
  $("join-screen").hidden = question !== null || audience !== null;
  $("question-view").hidden = question === null || audience !== null;
  $("corner").hidden = question === null && audience === null; // the join screen shows keyword and code big already
  drawHighlighted(audience);
  $("no-questions").hidden = state.questions.length > 0;
  const order = state.questions.indexOf(question);
  $("previous").disabled = question === null;
  $("next").disabled = order === state.questions.length - 1;
  const statistics = question && state.statistics.get(question._id);
  $("answer-count").textContent = question ? t("question.answered", { count: statistics?.total || 0 }) : "";
  $("answer-count").dataset.total = String(statistics?.total || 0);
  $("toggle-results").disabled = $("toggle-answer").disabled = question === null;
  if (!question) return;
  const answerShown = question.showAnswer && hasCorrect(question);
  $("toggle-results").setAttribute("aria-pressed", String(question.showStatistic));
  $("toggle-answer").setAttribute("aria-pressed", String(answerShown));
  $("toggle-answer").disabled = !hasCorrect(question);
  $("position").textContent = t("presenter.position", { number: order + 1, count: state.questions.length });
  const revealed = [question.showStatistic && "presenter.resultsShown", answerShown && "presenter.answerShown"];
  $("revealed").replaceChildren(...revealed.filter(Boolean).map((key) => el("span", { class: "pill" }, t(key))));
  $("subject").textContent = question.subject;
  $("question-text").textContent = question.text;
  $("results").replaceChildren(results(question, statistics, answerShown));
}

function drawHighlighted(question) {
  $("qa-view").hidden = question === null;
  $("end-highlight").hidden = question === null;
  if (!question) return;
  $("qa-view").dataset.qa = question._id;
  const pills = [
    el("span", { class: "pill qa-stage-votes", dataset: { score: String(question.score) } }, t(question.upvotes === 1 ? "presenter.votesOne" : "presenter.votes", { count: question.upvotes })),
    question.answered && el("span", { class: "pill qa-stage-answered" }, `✓ ${t("qa.answered")}`),
  ];
  $("qa-stage-pills").replaceChildren(...pills.filter(Boolean));
  $("qa-stage-subject").textContent = question.subject || "";
  $("qa-stage-subject").hidden = !question.subject;
  $("qa-stage-text").textContent = question.text;
  $("qa-stage-reply").replaceChildren(
    ...(question.reply ? [el("p", { class: "qa-reply-label" }, t("qa.reply")), el("p", { class: "qa-stage-reply-text" }, question.reply)] : []),
  );
}

/** The chart once revealed, else the options alone (the correct ones marked once that is shown). */
function results(question, statistics, answerShown) {
  const freetext = question.questionType === "freetext";
  if (!question.showStatistic) {
    const hidden = el("p", { class: "results-hidden" }, t("presenter.resultsHidden"));
    if (freetext) return hidden;
    const options = question.possibleAnswers.map((option) =>
      el("li", { class: answerShown && option.correct ? "correct" : null }, optionContent(question, option)),
    );
    return el("div", {}, el("ol", { class: "option-list", dataset: { type: question.questionType } }, options), hidden);
  }
  if (freetext) return wordCloud(state.freetext.filter((answer) => !answer.hidden)); // as the students see them
  const possibleAnswers = question.possibleAnswers.map((option) => ({ ...option, correct: answerShown && option.correct }));
  const shown = { ...question, possibleAnswers };
  if ((statistics?.rounds || []).length > 1) return roundsChart(shown, statistics.rounds);
  return el("div", {}, barChart(shown, statistics), scaleSummary(question, statistics));
}

/**
 * Peer instruction's point, the shift between rounds: per option one bar per round (the current
 * one last and in the accent colour), under a legend naming each round with its answer count.
 */
function roundsChart(question, rounds) {
  const isCurrent = (round) => round === rounds.at(-1);
  const group = (key, label, countOf, correct) =>
    el(
      "li",
      { class: correct ? "group correct" : "group", dataset: { option: key } },
      el("span", { class: "group-label" }, label, correct && el("span", { class: "sr-only" }, ` (${t("chart.correct")})`)),
      el(
        "ul",
        { class: "chart" },
        rounds.map((round) => {
          const bar = barRow(t("question.round", { round: round.piRound }), countOf(round), round.total, { dataset: { round: String(round.piRound) } });
          bar.classList.toggle("current", isCurrent(round));
          return bar;
        }),
      ),
    );
  const groups = question.possibleAnswers.map((option, index) =>
    group(String(index), optionContent(question, option), (round) => round.answerCounts[index] || 0, option.correct),
  );
  if (rounds.some((round) => round.abstentions)) groups.push(group("abstentions", t("chart.abstentions"), (round) => round.abstentions || 0, false));
  const legend = rounds.map((round) =>
    el(
      "li",
      { class: isCurrent(round) ? "current" : null, dataset: { round: String(round.piRound) } },
      el("span", { class: "swatch", "aria-hidden": "true" }),
      t("question.roundAnswers", { round: round.piRound, count: round.total }),
      scaleSummary(question, round),
    ),
  );
  return el(
    "div",
    { class: "rounds-chart", role: "group", "aria-label": t("question.rounds") },
    el("ul", { class: "round-legend" }, legend),
    el("ul", { class: "chart grouped", "aria-label": t("chart.label") }, groups),
  );
}

// ---- controls ----

function setTheme(theme) {
  document.body.dataset.theme = theme;
  localStorage.setItem(THEME, theme);
}

function toggleCorner(big = !$("corner").classList.contains("big")) {
  $("corner").classList.toggle("big", big);
  $("corner").setAttribute("aria-expanded", String(big));
}

function toggleFullscreen() {
  const change = document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen();
  change.catch(() => {}); // refused (no user gesture, a frame): the page works as it is
}

const KEYS = {
  r: () => reveal("showStatistic"),
  a: () => reveal("showAnswer"),
  q: () => toggleCorner(),
  t: () => setTheme(document.body.dataset.theme === "dark" ? "light" : "dark"),
  f: toggleFullscreen,
  h: endHighlight,
  escape: () => toggleCorner(false),
};

function wireControls() {
  $("previous").addEventListener("click", () => step(-1));
  $("next").addEventListener("click", () => step(1));
  $("toggle-results").addEventListener("click", KEYS.r);
  $("toggle-answer").addEventListener("click", KEYS.a);
  $("toggle-theme").addEventListener("click", KEYS.t);
  $("fullscreen").addEventListener("click", KEYS.f);
  $("end-highlight").addEventListener("click", KEYS.h);
  $("corner").addEventListener("click", KEYS.q);
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
    const action = NEXT.includes(event.key) ? () => step(1) : PREVIOUS.includes(event.key) ? () => step(-1) : KEYS[event.key.toLowerCase()];
    if (!action) return;
    event.preventDefault();
    action();
  });
}

main();
