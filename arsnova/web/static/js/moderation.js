// The Q&A moderation panel (issue 21): the queue, approved and hidden questions in tabs, with
// approve, hide, delete, answered with a reply, highlight and pin; for the owner also the Q&A
// settings. The lecturer page shows it; a co-moderator sees it on the student page (the owner names
// them in the settings: they moderate, without getting the session).
import { api, describe, el, redrawCards, setBusy, t } from "/static/js/common.js";
import { QaList, fetchQuestion, markers, qaPath, queue, replyBlock, scoreLine, timeOf } from "/static/js/qa.js";

const QA_STATUSES = ["pending", "approved", "hidden"];

/**
 * Builds the panel into `root` (a <section>). `prefix` makes its element ids (two panels never
 * share a page, but the student page has its own Q&A list); `owner`: the settings form too.
 * `onError(error)` and `onDone()` report failures and success; `announce(text)` tells screen
 * readers. Returns the socket event handlers to add and `load()` (on every (re)connection).
 */
export function moderationPanel(root, { keyword, prefix = "qa-", owner = false, onError, onDone = () => {}, announce = () => {} }) {
  const id = (name) => `${prefix}${name}`;
  const state = {
    lists: null, // status → QaList
    tab: null, // the queue while questions wait in it, else the approved ones
    sort: "votes",
    settings: null,
    replying: null, // {id, text}: the reply being written (the draft survives redraws)
  };
  const work = queue(onError);

  // ---- the panel's elements ----
  const tabs = QA_STATUSES.map((status) =>
    el("button", { id: id(`tab-${status}`), type: "button", role: "tab", "aria-selected": "false", "aria-controls": id("tabpanel"), tabindex: "-1", dataset: { status } }),
  );
  const sort = el(
    "select",
    { id: id("sort") },
    el("option", { value: "votes" }, t("qa.sortVotes")),
    el("option", { value: "newest" }, t("qa.sortNewest")),
    el("option", { value: "unanswered" }, t("qa.sortUnanswered")),
  );
  const waiting = el("span", { id: id("waiting"), class: "pill new" });
  const closedNotice = el("p", { id: id("closed"), class: "notice", hidden: true }, t("qa.closedLecturer"));
  const none = el("p", { id: id("none"), class: "muted", hidden: true });
  const list = el("ul", { id: id("list"), class: "plain qa-list" });
  const more = el("button", { id: id("more"), type: "button", class: "small qa-more", hidden: true }, t("qa.more"));
  const panel = el(
    "div",
    { id: id("tabpanel"), class: "qa-tabpanel", role: "tabpanel" },
    el("div", { class: "qa-toolbar" }, el("label", { for: id("sort"), class: "inline" }, t("qa.sort")), sort),
    none,
    list,
    more,
  );
  const settingsForm = owner ? settingsFormFor(id) : null;
  const settingsStatus = settingsForm?.querySelector("[role=status]");
  const deleteAll = owner ? el("button", { id: "delete-all-audience", type: "button", class: "danger small" }, t("qa.deleteAll")) : null;
  root.classList.add("qa-panel");
  root.setAttribute("aria-labelledby", id("heading"));
  const parts = [
    el("h2", { id: id("heading") }, el("span", {}, t("qa.moderationTitle")), " ", waiting),
    closedNotice,
    el("div", { class: "qa-tabs", role: "tablist", "aria-label": t("qa.tabs") }, tabs),
    panel,
    settingsForm && el("details", { id: id("settings"), class: "qa-settings" }, el("summary", {}, t("qa.settings")), settingsForm),
    deleteAll,
  ];
  root.replaceChildren(...parts.filter(Boolean));

  // ---- loading, and placing what the events say ----

  const lists = () => (state.lists ? QA_STATUSES.map((status) => state.lists[status]) : []);

  async function loadLists() {
    const fresh = Object.fromEntries(QA_STATUSES.map((status) => [status, new QaList(keyword, { status, sort: state.sort })]));
    await Promise.all(Object.values(fresh).map((one) => one.load()));
    state.lists = fresh;
  }

  /** Settings and the first page of each tab (on joining, and again after a reconnection). */
  async function load() {
    const [settings] = await Promise.all([api("GET", qaPath(keyword, "settings")), loadLists()]);
    state.tab ??= state.lists.pending.total > 0 || settings.moderation === "pre" ? "pending" : "approved";
    drawSettings(settings, { form: true });
  }

  /** How many each tab holds, read again when a question moved between tabs unseen (beyond a loaded page). */
  async function loadCounts() {
    await Promise.all(
      lists().map(async (one) => {
        const query = new URLSearchParams({ status: one.status, sort: one.sort, offset: "0", limit: "1" });
        const { total } = await api("GET", qaPath(keyword, `questions?${query}`));
        one.total = Math.max(total, one.items.length);
      }),
    );
  }

  /** The question as it is now (an answer to a change of ours, or read after an event) goes to its tab. */
  function place(question, { arrived = false } = {}) {
    const before = lists().find((one) => one.find(question._id));
    const target = state.lists[question.status];
    if (before && before !== target) before.remove(question._id);
    target.place(question, { arrived: arrived || Boolean(before && before !== target) });
  }

  /**
   * A live event about one question: read it, and put it in its tab (or take it out). `arrived`: just
   * asked; `moved`: approved or hidden, so a tab it was in beyond its loaded page counts one less.
   */
  async function refresh(questionId, { arrived = false, moved = false } = {}) {
    if (!state.lists) return; // the first load, still to come, brings it
    const question = await fetchQuestion(keyword, questionId);
    if (!question) return removed(questionId);
    const known = lists().some((one) => one.find(questionId));
    const fresh = arrived && !known;
    place(question, { arrived: fresh || (moved && !known) });
    if (moved && !known) await loadCounts();
    const waits = question.status === "pending";
    if (fresh) announce(t(waits ? "qa.announceQueue" : "qa.announceNew"));
    draw();
  }

  async function removed(questionId) {
    if (!state.lists) return;
    if (!lists().some((one) => one.remove(questionId))) await loadCounts();
    if (state.replying?.id === questionId) state.replying = null;
    draw();
  }

  function highlighted(questionId) {
    for (const one of lists()) one.highlight(questionId);
    draw();
  }

  function drawSettings(settings, { form = false } = {}) {
    state.settings = { ...state.settings, ...settings };
    if (form && settingsForm) fillSettings(settingsForm, state.settings);
    draw();
  }

  // ---- drawing ----

  function showTab(status) {
    state.tab = status;
    state.replying = null;
    draw();
  }

  function draw() {
    if (!state.lists) return;
    const shown = state.lists[state.tab];
    for (const tab of tabs) {
      const selected = tab.dataset.status === state.tab;
      tab.textContent = t(`qa.tab.${tab.dataset.status}`, { count: state.lists[tab.dataset.status].total });
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    panel.setAttribute("aria-labelledby", id(`tab-${state.tab}`));
    const count = state.lists.pending.total;
    waiting.textContent = count ? t(count === 1 ? "qa.waitingOne" : "qa.waiting", { count }) : "";
    closedNotice.hidden = state.settings?.open !== false;
    none.hidden = shown.total > 0;
    none.textContent = t(`qa.none.${state.tab}`);
    more.hidden = !shown.hasMore;
    redrawCards(list, shown.items.map(card), "qa");
  }

  /** Runs an API call; failures go to `onError`. */
  async function act(call) {
    try {
      await call();
      onDone();
    } catch (error) {
      onError(error);
    }
  }

  /** One change of a question (PATCH); the question as it is afterwards is shown. */
  function change(question, body) {
    return act(async () => {
      const changed = await api("PATCH", qaPath(keyword, `questions/${question._id}`), body);
      place(changed);
      if (body.highlighted) highlighted(changed._id);
      draw();
    });
  }

  function card(question) {
    const replying = state.replying?.id === question._id;
    const patch = (body) => () => change(question, body);
    const button = (label, className, onclick, pressed) =>
      el("button", { type: "button", class: `small ${className}`, onclick, "aria-pressed": pressed === undefined ? undefined : String(pressed) }, t(label));
    const remove = () =>
      act(async () => {
        await api("DELETE", qaPath(keyword, `questions/${question._id}`));
        await removed(question._id);
      });
    const reply = () => {
      state.replying = { id: question._id, text: question.reply || "" };
      draw();
      list.querySelector(`[data-qa="${question._id}"] textarea`)?.focus();
    };
    const actions = {
      pending: [button("qa.approve", "primary qa-approve", patch({ status: "approved" })), button("qa.hide", "qa-hide", patch({ status: "hidden" }))],
      approved: [
        question.answered
          ? [button("qa.editReply", "qa-reply-button", reply), button("qa.unanswer", "qa-unanswer", patch({ answered: false }))]
          : button("qa.markAnswered", "primary qa-answer", reply),
        button("qa.highlight", "qa-highlight", patch({ highlighted: !question.highlighted }), question.highlighted),
        button("qa.pin", "qa-pin", patch({ pinned: !question.pinned }), question.pinned),
        button("qa.hide", "qa-hide", patch({ status: "hidden" })),
      ],
      hidden: [button("qa.approve", "qa-approve", patch({ status: "approved" }))],
    }[question.status].flat();
    const classes = ["card", "qa-question", question.highlighted && "highlighted", question.pinned && "pinned", question.answered && "answered-question"];
    return el(
      "li",
      { class: classes.filter(Boolean).join(" "), tabindex: "-1", dataset: { qa: question._id, score: String(question.score) } },
      el(
        "div",
        { class: "qa-meta" },
        scoreLine(question, state.settings?.downvotes || question.downvotes > 0),
        markers(question),
        question.flagged?.length > 0 && el("span", { class: "pill locked qa-flagged" }, t("qa.flagged", { words: question.flagged.join(", ") })),
        timeOf(question),
      ),
      question.subject && el("h3", { class: "qa-subject" }, question.subject),
      el("p", { class: "qa-text" }, question.text),
      replying ? replyForm(question) : replyBlock(question),
      !replying && el("div", { class: "actions qa-actions" }, actions, button("qa.delete", "danger qa-delete", remove)),
    );
  }

  /** Marking answered with an (optional) reply, or changing the reply of an answered question. */
  function replyForm(question) {
    const draft = state.replying;
    const textId = id(`reply-${question._id}`);
    const text = el("textarea", { id: textId, rows: "3", maxlength: "5000" });
    text.value = draft.text;
    text.addEventListener("input", () => (draft.text = text.value));
    const submit = async (event) => {
      event.preventDefault();
      const reply = draft.text.trim() || null;
      state.replying = null;
      await change(question, question.answered ? { reply } : { answered: true, reply });
    };
    const cancel = () => {
      state.replying = null;
      draw();
    };
    return el(
      "form",
      { class: "qa-reply-form", onsubmit: submit },
      el("label", { for: textId }, t("qa.replyLabel")),
      text,
      el(
        "div",
        { class: "actions" },
        el("button", { type: "submit", class: "primary small" }, t(question.answered ? "qa.saveReply" : "qa.markAnswered")),
        el("button", { type: "button", class: "small", onclick: cancel }, t("qa.cancel")),
      ),
    );
  }

  async function saveSettings(event) {
    event.preventDefault();
    const form = event.target;
    const button = form.querySelector("button[type=submit]");
    setBusy(button, true);
    try {
      const saved = await api("PUT", qaPath(keyword, "settings"), readSettings(form));
      drawSettings(saved, { form: true });
      settingsStatus.textContent = t("qa.settingsSaved");
    } catch (error) {
      settingsStatus.textContent = describe(error);
    } finally {
      setBusy(button, false);
    }
  }

  // ---- wiring ----

  for (const tab of tabs) {
    tab.addEventListener("click", () => showTab(tab.dataset.status));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1, Home: -QA_STATUSES.length, End: QA_STATUSES.length }[event.key];
      if (!step) return;
      event.preventDefault();
      const index = Math.min(QA_STATUSES.length - 1, Math.max(0, QA_STATUSES.indexOf(state.tab) + step));
      showTab(QA_STATUSES[index]);
      tabs[index].focus();
    });
  }
  sort.value = state.sort;
  sort.addEventListener("change", () => {
    state.sort = sort.value;
    work(loadLists).then(draw);
  });
  more.addEventListener("click", () => work(() => state.lists[state.tab].more()).then(draw));
  settingsForm?.addEventListener("submit", saveSettings);
  deleteAll?.addEventListener("click", () => {
    if (!confirm(t("qa.deleteAllConfirm"))) return;
    act(async () => {
      await api("DELETE", `/session/${encodeURIComponent(keyword)}/interposed/`);
      await work(loadLists);
      draw();
    });
  });

  const events = {
    qaQuestionCreated: ({ questionId }) => work(() => refresh(questionId, { arrived: true })),
    qaQuestionApproved: ({ questionId }) => work(() => refresh(questionId, { moved: true })),
    qaQuestionHidden: ({ questionId }) => work(() => refresh(questionId, { moved: true })),
    qaQuestionChanged: ({ questionId }) => work(() => refresh(questionId)),
    qaQuestionAnswered: ({ questionId }) => work(() => refresh(questionId)),
    qaQuestionDeleted: ({ questionId }) => work(() => removed(questionId)),
    qaQuestionHighlighted: ({ questionId }) => work(() => highlighted(questionId)),
    qaVotesChanged: (counts) => work(() => lists().some((one) => one.votes(counts)) && draw()),
    qaSettingsChanged: (settings) => work(() => drawSettings(settings)),
    qaQuestionsCleared: () => work(loadLists).then(draw),
  };
  return { events, load: () => work(load) };
}

/** The owner's settings form: moderation mode, open, down votes, the word filter, co-moderators. */
function settingsFormFor(id) {
  const check = (name, label, value) =>
    el("label", { class: "inline" }, el("input", { type: "checkbox", name, value }), " ", el("span", {}, t(label)));
  const radio = (value, label) => el("label", { class: "inline" }, el("input", { type: "radio", name: "moderation", value }), " ", el("span", {}, t(label)));
  const hint = id("words-hint");
  return el(
    "form",
    { id: id("settings-form") },
    el("fieldset", {}, el("legend", {}, t("qa.moderation")), radio("none", "qa.moderationNone"), radio("pre", "qa.moderationPre"), radio("post", "qa.moderationPost")),
    check("open", "qa.open"),
    check("downvotes", "qa.allowDownvotes"),
    el(
      "fieldset",
      {},
      el("legend", {}, t("qa.wordFilter")),
      check("filterEnabled", "qa.filterEnabled"),
      el(
        "p",
        { class: "qa-languages", role: "group", "aria-labelledby": id("languages-label") },
        el("span", { id: id("languages-label") }, t("qa.filterLanguages")),
        check("filterLanguage", "qa.languageDe", "de"),
        check("filterLanguage", "qa.languageEn", "en"),
      ),
      el("label", { for: id("extra-words") }, t("qa.extraWords")),
      el("textarea", { id: id("extra-words"), name: "extraWords", rows: "2", "aria-describedby": hint }),
      el("label", { for: id("allowed-words") }, t("qa.allowedWords")),
      el("textarea", { id: id("allowed-words"), name: "allowedWords", rows: "2", "aria-describedby": hint }),
      el("p", { id: hint, class: "hint muted" }, t("qa.wordsHint")),
    ),
    el("label", { for: id("moderators") }, t("qa.moderators")),
    el("input", { id: id("moderators"), name: "moderators", autocomplete: "off", "aria-describedby": id("moderators-hint") }),
    el("p", { id: id("moderators-hint"), class: "hint muted" }, t("qa.moderatorsHint")),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary small" }, t("qa.saveSettings"))),
    el("p", { id: id("settings-status"), role: "status" }),
  );
}

/** Words typed one per line or separated by commas. */
function wordList(text) {
  return text
    .split(/[\n,]/)
    .map((word) => word.trim())
    .filter(Boolean);
}

function fillSettings(form, settings) {
  form.moderation.value = settings.moderation;
  form.open.checked = settings.open;
  form.downvotes.checked = settings.downvotes;
  const filter = settings.wordFilter || { enabled: false, languages: [], extraWords: [], allowedWords: [] };
  form.filterEnabled.checked = filter.enabled;
  for (const box of form.querySelectorAll("[name=filterLanguage]")) box.checked = filter.languages.includes(box.value);
  form.extraWords.value = filter.extraWords.join(", ");
  form.allowedWords.value = filter.allowedWords.join(", ");
  form.moderators.value = (settings.moderators || []).join(", ");
}

function readSettings(form) {
  return {
    moderation: form.moderation.value,
    open: form.open.checked,
    downvotes: form.downvotes.checked,
    wordFilter: {
      enabled: form.filterEnabled.checked,
      languages: [...form.querySelectorAll("[name=filterLanguage]:checked")].map((box) => box.value),
      extraWords: wordList(form.extraWords.value),
      allowedWords: wordList(form.allowedWords.value),
    },
    moderators: wordList(form.moderators.value),
  };
}
