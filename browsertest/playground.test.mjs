// The playground in a real browser: Debian's Chromium, driven by
// playwright-core, against the gateway in demo mode. Every request that
// leaves the loopback is blocked and counted, so the playground must work
// with what the gateway serves itself.
//
//   GATEWAY_URL=http://127.0.0.1:PORT node --test playground.test.mjs
//
// run.sh beside this file installs Chromium if needed, builds, starts and
// stops the gateway. A screenshot of the last state is saved to
// artifacts/playground.png. DEBUG=1 logs the page's requests and websockets.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { chromium } from 'playwright-core';

const WAIT = 20_000; // one step: loading, a query, a subscription
const TEST_TIMEOUT = 60_000;

const base = process.env.GATEWAY_URL;
if (!base) {
  throw new Error('GATEWAY_URL is not set (e.g. http://127.0.0.1:8080)');
}
const ALICE = 'Bearer demo-alice-token';
const BOB = 'Bearer demo-bob-token';

const NESTED = '{ organisations { id name applications { id name zone { city } } } }';
const NESTED_PRETTY = `{
  organisations {
    name
    applications {
      name
      zone { city }
    }
  }
}
`;
const LOGS = (owner, app) =>
  `subscription { applicationLogs(ownerId: "${owner}", applicationId: "${app}", filter: {limit: 3}) { id message } }`;

const artifacts = new URL('./artifacts/', import.meta.url);

let browser, context, page;
const offLoopback = []; // requests the page tried to send off this machine
const consoleErrors = []; // console errors, uncaught exceptions, CSP reports
const graphqlPosts = []; // {authorization, body} of every POST /graphql
const sockets = []; // {url, sent: [parsed frames], received: [parsed frames]}

function isLoopback(url) {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    timeout: WAIT,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  context.setDefaultTimeout(WAIT);
  // The context's routes also see what workers and popups would send.
  await context.route('**/*', (route) => {
    const req = route.request();
    if (!isLoopback(req.url())) {
      offLoopback.push(`${req.method()} ${req.url()}`);
      return route.abort('blockedbyclient');
    }
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/graphql') {
      graphqlPosts.push({ authorization: req.headers()['authorization'], body: req.postDataJSON() });
    }
    return route.fallback();
  });
  await context.routeWebSocket(
    (url) => !isLoopback(url.href),
    (ws) => {
      offLoopback.push(`WEBSOCKET ${ws.url()}`);
      ws.close();
    },
  );
  page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
  if (process.env.DEBUG) page.on('request', (r) => console.error('request', r.method(), r.url(), r.postData()?.slice(0, 80)));
  if (process.env.DEBUG) page.on('websocket', (ws) => console.error('websocket', ws.url()));
  page.on('websocket', (ws) => {
    const s = { url: ws.url(), sent: [], received: [] };
    sockets.push(s);
    const parse = (payload) => {
      try {
        return JSON.parse(payload);
      } catch {
        return { unparsed: String(payload) };
      }
    };
    ws.on('framesent', (f) => s.sent.push(parse(f.payload)));
    ws.on('framereceived', (f) => s.received.push(parse(f.payload)));
  });
});

after(async () => {
  if (page) {
    mkdirSync(artifacts, { recursive: true });
    await page
      .screenshot({ path: new URL('playground.png', artifacts).pathname, timeout: WAIT })
      .catch((err) => console.error('screenshot:', err.message));
  }
  await browser?.close();
});

// The query editor's CodeMirror, which GraphiQL listens to.
async function setQuery(query) {
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  await page.evaluate((q) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q);
  }, query);
}

// The response pane: its whole text (CodeMirror draws only what is in view)
// and what is drawn on screen.
async function response() {
  return page.evaluate(() => {
    const cm = document.querySelector('.result-window .CodeMirror');
    return { value: cm.CodeMirror.getValue(), shown: cm.innerText };
  });
}

// run starts the operation in the query editor (Ctrl-Enter, as a person
// would) and waits until the response pane's text holds needle.
async function run(needle) {
  // Clear the pane first, so that no earlier answer (nor one GraphiQL
  // restored from its storage) passes for this one.
  await page.evaluate(() => document.querySelector('.result-window .CodeMirror')?.CodeMirror.setValue(''));
  await page.locator('.graphiql-query-editor .CodeMirror').click();
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction(
    (n) => document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue().includes(n),
    needle,
    { timeout: WAIT, polling: 100 },
  );
  return response();
}

test('the playground loads offline, with the demo Authorization', { timeout: TEST_TIMEOUT }, async () => {
  const resp = await page.goto(new URL('/', base).href, { waitUntil: 'load' });
  assert.equal(resp.status(), 200);
  const csp = resp.headers()['content-security-policy'] ?? '';
  assert.match(csp, /script-src 'self'(;|$)/);
  await page.locator('.graphiql-container').waitFor();
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  // Nothing stored yet: the server's default header prefills the field.
  assert.equal(await page.locator('#playground-authorization').inputValue(), ALICE);
  // A dialog adds a <style> element (its scroll lock): the page's CSP nonce
  // must let it in, or the console says so.
  await page.getByLabel('Open settings dialog').click();
  await page.getByRole('dialog').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.deepEqual(offLoopback, [], 'requests off the loopback');
});

let acme; // { id, apps: [{ id, name }] }

test('a nested query runs and its result is drawn', { timeout: TEST_TIMEOUT }, async () => {
  await setQuery(NESTED);
  const before = graphqlPosts.length;
  const { value, shown } = await run('"organisations"');
  const result = JSON.parse(value);
  assert.equal(result.errors, undefined, value);
  const org = result.data.organisations.find((o) => o.name === 'Acme Corp');
  assert.ok(org, `no Acme Corp in ${value}`);
  assert.ok(org.applications.length > 0, 'Acme Corp has no applications');
  acme = { id: org.id, apps: org.applications };
  assert.ok(shown.includes('Acme Corp'), `"Acme Corp" is not on screen:\n${shown}`);
  assert.ok(
    org.applications.some((a) => shown.includes(a.name)),
    `no Acme Corp application on screen:\n${shown}`,
  );
  // The query went over HTTP with the demo token.
  const sent = graphqlPosts.slice(before).filter((p) => p.body?.query === NESTED);
  assert.equal(sent.length, 1, `POSTs of the query: ${JSON.stringify(graphqlPosts.slice(before))}`);
  assert.equal(sent[0].authorization, ALICE);
});

test('a log subscription streams lines over graphql-transport-ws', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(acme, 'the nested query found no application');
  const app = acme.apps[0];
  await setQuery(LOGS(acme.id, app.id));
  const first = await run('"applicationLogs"');
  const event = JSON.parse(first.value);
  assert.equal(event.errors, undefined, first.value);
  assert.ok(event.data.applicationLogs.message, first.value);
  assert.ok(first.shown.includes(event.data.applicationLogs.message), `no log line on screen:\n${first.shown}`);

  // Over the websocket, in graphql-transport-ws frames (subscribe, next,
  // complete; the legacy protocol says start, data): the token in
  // connection_init, the three lines of the limit, then complete.
  const ws = sockets.find((s) => s.sent.some((f) => f.type === 'subscribe'));
  assert.ok(ws, `no websocket subscribed: ${JSON.stringify(sockets)}`);
  assert.equal(new URL(ws.url).pathname, '/graphql');
  assert.deepEqual(ws.sent[0], { type: 'connection_init', payload: { Authorization: ALICE } });
  const deadline = Date.now() + WAIT;
  while (!ws.received.some((f) => f.type === 'complete') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(
    ws.received.some((f) => f.type === 'complete'),
    `the subscription did not complete: ${JSON.stringify(ws.received)}`,
  );
  const lines = ws.received.filter((f) => f.type === 'next').map((f) => f.payload);
  assert.equal(lines.length, 3, `frames: ${JSON.stringify(ws.received)}`);
  assert.ok(
    lines.some((l) => isDeepStrictEqual(l, event)),
    `the pane showed ${first.value}, not one of the lines sent: ${JSON.stringify(lines)}`,
  );

  // GraphiQL shows each line in turn: the last one stays.
  const last = lines.at(-1).data.applicationLogs;
  await page.waitForFunction(
    (id) => document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue().includes(id),
    last.id,
    { timeout: WAIT, polling: 100 },
  );
  const final = await response();
  assert.deepEqual(JSON.parse(final.value), lines.at(-1));
  assert.ok(final.shown.includes(last.message), `the last log line is not on screen:\n${final.shown}`);
});

test('the Authorization typed once is kept across reloads', { timeout: TEST_TIMEOUT }, async () => {
  const field = page.locator('#playground-authorization');
  await field.fill(BOB);
  await page.reload({ waitUntil: 'load' });
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  assert.equal(await field.inputValue(), BOB);
  await setQuery('{ organisations { name } }');
  const before = graphqlPosts.length;
  const { value } = await run('"organisations"');
  const result = JSON.parse(value);
  assert.equal(result.errors, undefined, value);
  const names = result.data.organisations.map((o) => o.name);
  assert.ok(!names.includes('Acme Corp'), `Bob sees Alice's organisations: ${names}`);
  const sent = graphqlPosts.slice(before).filter((p) => p.body?.query === '{ organisations { name } }');
  assert.equal(sent[0]?.authorization, BOB, `POSTs: ${JSON.stringify(graphqlPosts.slice(before))}`);

  // Back to Alice for the screenshot, with the nested result on screen.
  await field.fill(ALICE);
  await setQuery(NESTED_PRETTY);
  await run('Acme Corp');
});

// GraphiQL's standard introspection query is 15 levels deep: the gateway's
// limits measure introspection apart, so the playground has its schema
// (docs, completion, validation).
test('GraphiQL loads the schema', { timeout: TEST_TIMEOUT }, async () => {
  const introspection = graphqlPosts.find((p) => p.body?.operationName === 'IntrospectionQuery');
  assert.ok(introspection, 'GraphiQL sent no introspection query');
  const answer = await page.evaluate(async (body) => {
    const r = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return r.json();
  }, JSON.stringify(introspection.body));
  assert.ok(!answer.errors, answer.errors?.map((e) => e.message).join('; '));
});

test('nothing was sent off the loopback and the console has no errors', () => {
  assert.deepEqual(offLoopback, [], 'requests off the loopback');
  assert.deepEqual(consoleErrors, [], 'browser console errors');
});
