// Interoperability: the reference graphql-ws client (graphql-transport-ws
// protocol) against the gateway's /graphql websocket endpoint.
//
//   GATEWAY_URL=http://127.0.0.1:PORT node --test graphql-ws.test.mjs
//
// The gateway must run in demo mode (its built-in fake Clever Cloud API),
// where demo-alice-token is a valid token and a live log line comes every
// 100 ms. run.sh beside this file builds, starts and stops it.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const TEST_TIMEOUT = 15_000;

const base = process.env.GATEWAY_URL;
if (!base) {
  throw new Error('GATEWAY_URL is not set (e.g. http://127.0.0.1:8080)');
}
const wsURL = new URL('/graphql', base.replace(/^http/, 'ws')).href;

const AUTH = { Authorization: 'Bearer demo-alice-token' };

const ORGS = '{ organisations { id applications { id } } }';
const LOGS = `subscription($o: ID!, $a: ID!, $f: LogFilter) {
  applicationLogs(ownerId: $o, applicationId: $a, filter: $f) { id date message service }
}`;

// Every socket opened here is closed at the end, even after a failed or
// timed-out test, so that the test process always exits.
const sockets = new Set();
class TrackedWebSocket extends WebSocket {
  constructor(...args) {
    super(...args);
    sockets.add(this);
    this.on('close', () => sockets.delete(this));
  }
}
const clients = new Set();
after(async () => {
  const disposed = Promise.allSettled([...clients].map((c) => c.dispose()));
  // dispose() may wait on a socket that never opened or was never acked.
  await Promise.race([disposed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  for (const s of sockets) s.terminate();
});

function client(opts = {}) {
  const c = createClient({
    url: wsURL,
    webSocketImpl: TrackedWebSocket,
    retryAttempts: 0, // surface every failure instead of reconnecting
    connectionAckWaitTimeout: 5_000,
    ...opts,
  });
  clients.add(c);
  return c;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// promise, or a failure naming what did not happen within ms.
function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Runs one operation to its end and collects what the sink saw: the `next`
// payloads, the `error` (a list of GraphQL errors, a CloseEvent or an Error)
// and whether `complete` was called.
function run(c, query, variables) {
  return new Promise((resolve) => {
    const out = { next: [], error: undefined, completed: false };
    c.subscribe(
      { query, variables },
      {
        next: (result) => out.next.push(result),
        error: (err) => {
          out.error = err;
          resolve(out);
        },
        complete: () => {
          out.completed = true;
          resolve(out);
        },
      },
    );
  });
}

// The GraphQL errors an operation produced, wherever the server put them:
// in an `error` message (a list of errors) or in `next` results' `errors`.
function graphqlErrors(out) {
  const errs = out.next.flatMap((r) => r.errors ?? []);
  if (Array.isArray(out.error)) errs.push(...out.error);
  return errs;
}

function describeError(err) {
  if (err === undefined) return 'none';
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (err && typeof err.code === 'number') return `close ${err.code} ${err.reason}`;
  return JSON.stringify(err);
}

// An owner (organisation or personal space) with applications, found with
// the organisations query over the socket.
let target;
async function findTarget(c) {
  const out = await run(c, ORGS);
  assert.equal(out.error, undefined, `organisations query failed: ${describeError(out.error)}`);
  assert.ok(out.completed, 'the query completes');
  assert.equal(out.next.length, 1, 'a query yields exactly one result');
  const [result] = out.next;
  assert.equal(result.errors, undefined, `organisations errors: ${JSON.stringify(result.errors)}`);
  const orgs = result.data.organisations;
  assert.ok(Array.isArray(orgs) && orgs.length > 0, 'alice sees organisations');
  const org = orgs.find((o) => o.applications.length > 0);
  assert.ok(org, 'one organisation has applications');
  target = { o: org.id, a: org.applications[0].id };
  return target;
}

async function getTarget() {
  if (target) return target;
  const c = client({ connectionParams: AUTH, lazy: true });
  try {
    return await findTarget(c);
  } finally {
    await c.dispose();
  }
}

function assertLogLine(line) {
  assert.ok(line, 'a log line');
  for (const field of ['id', 'date', 'message']) {
    assert.equal(typeof line[field], 'string', `${field} is a string: ${JSON.stringify(line)}`);
    assert.notEqual(line[field], '', `${field} is not empty: ${JSON.stringify(line)}`);
  }
  assert.ok(!Number.isNaN(Date.parse(line.date)), `date is a date: ${line.date}`);
}

test('query, then applicationLogs with limit 5: 5 lines in order, then complete', { timeout: TEST_TIMEOUT }, async () => {
  const c = client({ connectionParams: AUTH });
  const { o, a } = await findTarget(c);

  const out = await run(c, LOGS, { o, a, f: { limit: 5 } });
  assert.equal(out.error, undefined, `no error: ${describeError(out.error)}`);
  assert.ok(out.completed, 'complete is called');
  assert.equal(out.next.length, 5, `exactly 5 results: ${JSON.stringify(out.next)}`);
  for (const r of out.next) {
    assert.equal(r.errors, undefined, `no errors in a result: ${JSON.stringify(r.errors)}`);
  }
  const lines = out.next.map((r) => r.data.applicationLogs);
  lines.forEach(assertLogLine);
  for (let i = 1; i < lines.length; i++) {
    assert.ok(lines[i - 1].id < lines[i].id, `ids strictly increase: ${lines[i - 1].id} then ${lines[i].id}`);
  }
  await c.dispose();
});

test('unsubscribing early stops the stream and leaves the connection usable', { timeout: TEST_TIMEOUT }, async () => {
  const { o, a } = await getTarget();
  // Every `next` message the server sends, whatever the client does with it.
  const wire = [];
  const c = client({
    connectionParams: AUTH,
    lazy: false,
    on: { message: (m) => { if (m.type === 'next') wire.push(m); } },
  });

  const lines = [];
  let error;
  let completed = false;
  let unsubscribe;
  const twoLines = new Promise((resolve) => {
    unsubscribe = c.subscribe(
      { query: LOGS, variables: { o, a } },
      {
        next: (r) => {
          lines.push(r);
          if (lines.length === 2) resolve();
        },
        error: (err) => {
          error = err;
          resolve();
        },
        complete: () => {
          completed = true;
        },
      },
    );
  });
  await twoLines;
  assert.equal(error, undefined, `no error before unsubscribing: ${describeError(error)}`);
  unsubscribe();

  // A line already on its way when the server read `complete` may still
  // arrive; after that, nothing more (lines come every 100 ms).
  await sleep(300);
  assert.ok(wire.length >= 2, `the message listener saw the lines: ${wire.length}`);
  const settled = wire.length;
  await sleep(700);
  assert.equal(wire.length, settled, `the server sent ${wire.length - settled} more lines after unsubscribing`);
  assert.equal(lines.length, 2, 'the sink got no line after unsubscribing');
  assert.equal(error, undefined, `no error after unsubscribing: ${describeError(error)}`);
  for (const r of lines) {
    assert.equal(r.errors, undefined);
    assertLogLine(r.data.applicationLogs);
  }
  assert.ok(completed, 'the sink is completed on unsubscribe');

  // The socket stayed open: another operation runs on it.
  const again = await run(c, ORGS);
  assert.equal(again.error, undefined, `query after unsubscribing: ${describeError(again.error)}`);
  assert.ok(again.next[0]?.data?.organisations, 'the query after unsubscribing answers');
  await c.dispose();
});

test('a bad argument (limit: -1) is a BAD_USER_INPUT error', { timeout: TEST_TIMEOUT }, async () => {
  const { o, a } = await getTarget();
  const c = client({ connectionParams: AUTH });
  const out = await run(c, LOGS, { o, a, f: { limit: -1 } });
  assert.ok(!(out.error instanceof Error) && !(out.error && typeof out.error.code === 'number'),
    `a GraphQL error, not a transport failure: ${describeError(out.error)}`);
  const errs = graphqlErrors(out);
  assert.ok(errs.length > 0, `an error is reported: ${JSON.stringify(out)}`);
  assert.ok(errs.some((e) => e.extensions?.code === 'BAD_USER_INPUT'), `BAD_USER_INPUT: ${JSON.stringify(errs)}`);
  assert.equal(out.next.filter((r) => r.data?.applicationLogs).length, 0, 'no log line');
  await c.dispose();
});

test('an Authorization value with a control character closes the socket with 4403', { timeout: TEST_TIMEOUT }, async (t) => {
  const bad = { Authorization: 'Bearer a\u0001b' };

  await t.test('raw ws, graphql-transport-ws', async () => {
    const ws = new TrackedWebSocket(wsURL, 'graphql-transport-ws');
    const messages = [];
    const closed = new Promise((resolve, reject) => {
      ws.on('message', (data) => messages.push(JSON.parse(String(data))));
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
      ws.on('error', reject);
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: bad })));
    const { code, reason } = await within(5_000, closed, 'the server closes the socket');
    assert.equal(ws.protocol, 'graphql-transport-ws', 'the subprotocol is accepted');
    assert.equal(code, 4403, `close code (reason: ${reason})`);
    assert.ok(!messages.some((m) => m.type === 'connection_ack'), `no connection_ack: ${JSON.stringify(messages)}`);
  });

  await t.test('graphql-ws client', async () => {
    let closeEvent;
    let connected = false;
    const c = client({
      connectionParams: bad,
      on: {
        closed: (e) => { closeEvent ??= e; },
        connected: () => { connected = true; },
      },
    });
    const out = await run(c, ORGS);
    assert.ok(out.error, 'the operation fails');
    assert.equal(out.next.length, 0, 'no result');
    assert.equal(closeEvent?.code, 4403, `closed event: ${describeError(closeEvent)}`);
    assert.equal(out.error.code, 4403, `the sink's error is the close: ${describeError(out.error)}`);
    assert.ok(!connected, 'never connected');
    await c.dispose();
  });
});

test('no token: the subscription fails with UNAUTHENTICATED', { timeout: TEST_TIMEOUT }, async () => {
  const { o, a } = await getTarget();
  const c = client(); // connection_init without a payload
  const out = await run(c, LOGS, { o, a, f: { limit: 5 } });
  assert.ok(!(out.error instanceof Error) && !(out.error && typeof out.error.code === 'number'),
    `a GraphQL error, not a transport failure: ${describeError(out.error)}`);
  const errs = graphqlErrors(out);
  assert.ok(errs.length > 0, `an error is reported: ${JSON.stringify(out)}`);
  assert.ok(errs.every((e) => e.extensions?.code === 'UNAUTHENTICATED'), `UNAUTHENTICATED: ${JSON.stringify(errs)}`);
  assert.equal(out.next.filter((r) => r.data?.applicationLogs).length, 0, 'no log line');
  await c.dispose();
});
