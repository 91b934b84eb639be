// A load generator holding many socket.io-client sockets, driven by the
// Python orchestrator (bench/swarm.py): one JSON command per stdin line, one
// JSON reply per stdout line ({"id", "ok", ...}). Times are epoch
// milliseconds with sub-millisecond precision, comparable across processes.
//
// usage: node swarm.mjs           (commands: login, connect, arm, collect,
//                                  emit, vote, reconnects, close; see `handlers` below)
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task(i)` for i in [0, n) with at most `limit` running at once. */
async function pool(n, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

const cookies = []; // one JSESSIONID cookie per socket (or none for the baseline)
let nextCookie = 0; // the next socket's login
const sockets = []; // {socket, url, record}
let watch = null; // {event, expect} while armed

function newRecord() {
  // first: first payload equal to the expectation; since: when the latest run of
  // such payloads began (the socket has held the expected state since then)
  return { first: null, since: null, lastOk: false, hits: 0, messages: 0 };
}

/** Guest logins over keep-alive HTTP: one login per future socket. */
async function login({ url, n, concurrency = 32 }) {
  const started = now();
  let failures = 0;
  await pool(n, concurrency, async () => {
    try {
      const response = await fetch(`${url}/auth/login?type=guest`);
      await response.arrayBuffer();
      if (!response.ok) throw new Error(String(response.status));
      cookies.push(response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; "));
    } catch {
      failures += 1;
    }
  });
  return { logins: cookies.length, failures, ms: now() - started };
}

/**
 * Connects one socket, joins, resolves to an error string or null. With `reconnect`,
 * socket.io's own reconnection is on (as on the pages) and every later connection
 * joins again: `drops` and `rejoins` (epoch ms) and `rejoinErrors` record it.
 */
function openSocket(url, join, deflate, timeoutMs, reconnect = false) {
  return new Promise((outcome) => {
    const resolve = (error) => {
      if (error) socket.disconnect();
      outcome(error);
    };
    const cookie = cookies[nextCookie++];
    const socket = io(url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: reconnect,
      timeout: timeoutMs,
      perMessageDeflate: deflate ? { threshold: 1024 } : false,
      extraHeaders: cookie ? { Cookie: cookie } : {},
    });
    const entry = { socket, url, record: newRecord(), drops: [], rejoins: [], rejoinErrors: 0 };
    socket.onAny((event, payload) => {
      const record = entry.record;
      record.messages += 1;
      if (watch === null || event !== watch.event) return;
      const at = now();
      const ok = JSON.stringify(payload) === watch.expect;
      record.hits += 1;
      if (ok && !record.lastOk) record.since = at;
      record.lastOk = ok;
      if (ok && record.first === null) record.first = at;
    });
    socket.once("connect_error", (err) => resolve(`connect_error: ${err.message}`));
    socket.once("connect", async () => {
      try {
        const ack = await socket.timeout(timeoutMs).emitWithAck(join.event, join.data);
        if (ack && ack.error) return resolve(`join: ${ack.error.code}`);
        sockets.push(entry);
        if (reconnect) follow(entry, join, timeoutMs);
        resolve(null);
      } catch (err) {
        resolve(`join: ${err.message}`);
      }
    });
  });
}

/** Records the drops of a joined socket and joins again on every reconnection. */
function follow(entry, join, timeoutMs) {
  const { socket } = entry;
  socket.on("disconnect", () => entry.drops.push(now()));
  socket.on("connect", async () => {
    try {
      const ack = await socket.timeout(timeoutMs).emitWithAck(join.event, join.data);
      if (ack && ack.error) entry.rejoinErrors += 1;
      else entry.rejoins.push(now());
    } catch {
      entry.rejoinErrors += 1;
    }
  });
}

function deflateCount() {
  let count = 0;
  for (const { socket } of sockets) {
    const ws = socket.io.engine?.transport?.ws;
    if (ws && ws.extensions && ws.extensions.includes("permessage-deflate")) count += 1;
  }
  return count;
}

/**
 * Opens `n` sockets (each with the next unused login), round-robin over `urls`,
 * spread evenly over `spreadMs` (0: as fast as `concurrency` allows).
 */
async function connect({
  urls, n, join, spreadMs = 0, concurrency = 64, deflate = true, timeoutMs = 30000, reconnect = false,
}) {
  const started = now();
  const errors = {};
  const base = sockets.length;
  const joinMs = []; // connect attempt to join ack, per joined socket
  await pool(n, spreadMs > 0 ? n : concurrency, async (i) => {
    if (spreadMs > 0) {
      const due = started + (i * spreadMs) / n;
      if (due > now()) await sleep(due - now());
    }
    const attempt = now();
    const error = await openSocket(urls[i % urls.length], join, deflate, timeoutMs, reconnect);
    if (error) errors[error] = (errors[error] ?? 0) + 1;
    else joinMs.push(now() - attempt);
  });
  return {
    joined: sockets.length - base,
    failures: n - (sockets.length - base),
    errors,
    joinMs,
    started,
    done: now(),
    deflate: deflateCount(),
  };
}

/** Starts recording `event` payloads equal to `expect` (JSON) on every socket. */
function arm({ event, expect }) {
  watch = { event, expect: JSON.stringify(expect) };
  for (const entry of sockets) entry.record = newRecord();
  return { armed: sockets.length };
}

/**
 * Waits until every socket's latest `event` equals the expectation (or
 * `timeoutMs`), then `settleMs` more, and reports per-socket times.
 */
async function collect({ timeoutMs = 30000, settleMs = 0 }) {
  const deadline = now() + timeoutMs;
  const allOk = () => sockets.every(({ record }) => record.lastOk);
  while (!allOk() && now() < deadline) await sleep(5);
  const complete = allOk();
  if (settleMs > 0) await sleep(settleMs);
  const records = sockets.map(({ record }) => record);
  watch = null;
  return {
    complete,
    first: records.map((r) => r.first),
    final: records.map((r) => (r.lastOk ? r.since : null)),
    hits: records.reduce((sum, r) => sum + r.hits, 0),
    messages: records.reduce((sum, r) => sum + r.messages, 0),
  };
}

/** One socket emits; reports the time just before the emit and of the ack. */
async function emit({ index = 0, event, data, timeoutMs = 30000 }) {
  const { socket } = sockets[index];
  const sent = now();
  const ack = await socket.timeout(timeoutMs).emitWithAck(event, data);
  return { sent, acked: now(), ack };
}

/**
 * Every socket i emits `event` with `data` where `data[field]` = values[i],
 * the emits spread evenly over `spreadMs` starting at epoch ms `at`.
 */
async function vote({ at, spreadMs, event, data, field, values, timeoutMs = 30000 }) {
  const n = sockets.length;
  const sent = [];
  const errors = {};
  await Promise.all(
    sockets.map(async ({ socket }, i) => {
      const due = at + (i * spreadMs) / n;
      if (due > now()) await sleep(due - now());
      sent.push(now());
      try {
        const ack = await socket.timeout(timeoutMs).emitWithAck(event, { ...data, [field]: values[i] });
        if (ack && ack.error) errors[ack.error.code] = (errors[ack.error.code] ?? 0) + 1;
      } catch (err) {
        errors[err.message] = (errors[err.message] ?? 0) + 1;
      }
    }),
  );
  return { firstSent: Math.min(...sent), lastSent: Math.max(...sent), acked: now(), errors };
}

/** Per socket since epoch ms `since`: dropped, the first rejoin after its drop, errors. */
function reconnects({ since }) {
  return {
    sockets: sockets.map(({ drops, rejoins, rejoinErrors }) => {
      const dropped = drops.find((t) => t >= since) ?? null;
      const rejoined = dropped === null ? null : (rejoins.find((t) => t >= dropped) ?? null);
      return { dropped, rejoined, errors: rejoinErrors };
    }),
  };
}

async function close() {
  for (const { socket } of sockets) socket.disconnect();
  sockets.length = 0;
  setTimeout(() => process.exit(0), 100);
  return {};
}

const handlers = { login, connect, arm, collect, emit, vote, reconnects, close };

const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  const { id, cmd, ...args } = JSON.parse(line);
  let reply;
  try {
    reply = { id, ok: true, ...(await handlers[cmd](args)) };
  } catch (err) {
    reply = { id, ok: false, error: String(err?.stack ?? err) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
lines.on("close", () => process.exit(0));
