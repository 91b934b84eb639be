// Audience Q&A (issue 21), shared by the student, lecturer and presenter pages: one page of
// questions loaded, then kept current by the live events, one question fetched per event (the
// list itself is never read again, except the next page on demand).
import { api, el, t } from "/static/js/common.js";

export const QA_PAGE = 30; // questions per request (the first page and every "load more")

/** The order of `GET …/qa/questions?sort=…`, for placing a question that changed or arrived. */
const ORDERS = {
  votes: (a, b) => b.pinned - a.pinned || b.score - a.score || b.timestamp - a.timestamp,
  newest: (a, b) => b.pinned - a.pinned || b.timestamp - a.timestamp,
  unanswered: (a, b) => a.answered - b.answered || b.score - a.score || b.timestamp - a.timestamp,
};

/** A student's own questions waiting for approval come first (the server lists them so). */
const waitingFirst = (order) => (a, b) => (b.status === "pending") - (a.status === "pending") || order(a, b);

export function qaPath(keyword, rest = "") {
  return `/session/${encodeURIComponent(keyword)}/qa/${rest}`;
}

/** Reads one question; null when it is gone or not (any more) visible to this user. */
export async function fetchQuestion(keyword, id) {
  try {
    return await api("GET", qaPath(keyword, `questions/${encodeURIComponent(id)}`));
  } catch (error) {
    if (error.status === 404 || error.status === 403) return null;
    throw error;
  }
}

/**
 * The loaded part of one list (a status, in one order): `items` in the server's order, `total`
 * as the server counts it. Questions that change or arrive are placed where the order puts them;
 * one that sorts after the last loaded while more are left to load waits for "load more".
 */
export class QaList {
  constructor(keyword, { status = "approved", sort = "newest" } = {}) {
    this.keyword = keyword;
    this.status = status;
    this.sort = sort;
    this.items = [];
    this.total = 0;
    this.loaded = false;
  }

  page(offset) {
    const query = new URLSearchParams({ sort: this.sort, status: this.status, offset: String(offset), limit: String(QA_PAGE) });
    return api("GET", qaPath(this.keyword, `questions?${query}`));
  }

  /** The first page (on joining, and when the order changes). */
  async load() {
    const { questions, total } = await this.page(0);
    this.items = questions;
    this.total = total;
    this.loaded = true;
  }

  /** The next page; questions already shown (the list moved meanwhile) are not shown twice. */
  async more() {
    const { questions, total } = await this.page(this.items.length);
    const known = new Set(this.items.map((q) => q._id));
    this.items.push(...questions.filter((q) => !known.has(q._id)));
    this.total = Math.max(total, this.items.length);
  }

  get hasMore() {
    return this.items.length < this.total;
  }

  find(id) {
    return this.items.find((q) => q._id === id) || null;
  }

  /**
   * Adds or updates `question` (it belongs to this list; `arrived`: it was not in it before, it was
   * just asked or approved): whether it is shown now.
   */
  place(question, { arrived = false } = {}) {
    const index = this.items.findIndex((q) => q._id === question._id);
    const shown = index >= 0;
    if (shown) this.items.splice(index, 1);
    const counted = shown || !arrived; // in `total` already
    const leftToLoad = this.total - this.items.length - (counted ? 1 : 0);
    if (!counted) this.total += 1;
    const order = waitingFirst(ORDERS[this.sort]);
    const at = this.items.findIndex((q) => order(question, q) < 0);
    if (at >= 0) this.items.splice(at, 0, question);
    else if (leftToLoad <= 0) this.items.push(question);
    else return false; // after the loaded pages: "load more" brings it
    this.total = Math.max(this.total, this.items.length);
    return true;
  }

  /** Takes a question out (removed, hidden, moved to another status): whether it was shown. */
  remove(id) {
    const index = this.items.findIndex((q) => q._id === id);
    if (index < 0) return false;
    this.items.splice(index, 1);
    this.total = Math.max(0, this.total - 1);
    return true;
  }

  /** New counts from `qaVotesChanged`: the question moves where the order puts it. */
  votes({ questionId, upvotes, downvotes, score }) {
    const question = this.find(questionId);
    if (!question) return false;
    this.place({ ...question, upvotes, downvotes, score });
    return true;
  }

  /** Only one question is highlighted: the flag follows `qaQuestionHighlighted`. */
  highlight(id) {
    this.items = this.items.map((q) => (q.highlighted === (q._id === id) ? q : { ...q, highlighted: q._id === id }));
  }
}

/**
 * Runs the work of live events one after another, so that an event is applied to the list
 * loaded before it, in the order they came; failures go to `onError`.
 */
export function queue(onError) {
  let last = Promise.resolve();
  return (work) => {
    last = last.then(work).catch(onError);
    return last;
  };
}

/**
 * "▲ 12" (and "▼ 2" where downvotes count), in words for screen readers as well; `bare`: the score
 * alone (between the students' vote buttons, which show the arrows).
 */
export function scoreLine(question, downvotes, { bare = false } = {}) {
  const shown = bare ? String(question.score) : downvotes ? `▲ ${question.upvotes} ▼ ${question.downvotes}` : `▲ ${question.upvotes}`;
  return el(
    "span",
    { class: "qa-score", dataset: { score: String(question.score), upvotes: String(question.upvotes) } },
    el("span", { "aria-hidden": "true" }, shown),
    el("span", { class: "sr-only" }, t(downvotes ? "qa.votesBoth" : question.upvotes === 1 ? "qa.votesOne" : "qa.votes", { up: question.upvotes, down: question.downvotes })),
  );
}

/** The markers of a question: answered, pinned, on the projector. */
export function markers(question) {
  return [
    question.answered && el("span", { class: "pill qa-answered" }, el("span", { "aria-hidden": "true" }, "✓ "), t("qa.answered")),
    question.pinned && el("span", { class: "pill qa-pinned" }, t("qa.pinned")),
    question.highlighted && el("span", { class: "pill new qa-highlighted" }, t("qa.highlighted")),
  ];
}

/** The lecturer's reply under a question, when there is one. */
export function replyBlock(question) {
  if (!question.reply) return null;
  return el("div", { class: "qa-reply" }, el("p", { class: "qa-reply-label" }, t("qa.reply")), el("p", { class: "qa-reply-text" }, question.reply));
}

export function timeOf(question) {
  const when = new Date(question.timestamp);
  return el("time", { class: "muted qa-time", datetime: when.toISOString() }, when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
}
