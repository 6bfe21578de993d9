// The gateway's GraphiQL playground: GraphiQL against the gateway's own
// /graphql (queries over HTTP, subscriptions over graphql-transport-ws), with
// an Authorization field above it that is remembered in this browser.
//
// The page (playground.Handler in Go) gives this script its configuration in
// <script id="playground-config" type="application/json">: the endpoint path
// and the server's default headers (demo mode: the demo token).
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { Kind, parse } from 'graphql';
import { createClient } from 'graphql-ws';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';

import 'graphiql/style.css';
import './playground.css';

const storageKey = 'cleverql:authorization';

const config = JSON.parse(document.getElementById('playground-config').textContent);

// The nonce the page's Content-Security-Policy gives <style> elements: the
// dialogs' scroll lock (react-style-singleton, through get-nonce) adds some.
globalThis.__webpack_nonce__ = config.styleNonce;
const defaultHeaders = { ...(config.headers || {}) };

// Authorization is the one header the field above GraphiQL owns; the other
// server-given headers go to GraphiQL's headers editor.
let defaultAuthorization = '';
for (const name of Object.keys(defaultHeaders)) {
  if (name.toLowerCase() === 'authorization') {
    defaultAuthorization = defaultHeaders[name];
    delete defaultHeaders[name];
  }
}

function storedAuthorization() {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null; // storage disabled: fall back to the server's default
  }
}

// What the user typed last in this browser (even empty) beats the default.
let authorization = storedAuthorization() ?? defaultAuthorization;

function setAuthorization(value) {
  authorization = value;
  try {
    localStorage.setItem(storageKey, value);
  } catch {
    // Storage disabled: the value lasts as long as the page.
  }
}

// Same origin, whatever it is: http→ws, https→wss.
const url = new URL(config.endpoint, window.location.href);
const subscriptionUrl = new URL(url);
subscriptionUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';

// The HTTP Authorization header, unless the headers editor sets its own.
function fetchWithAuthorization(input, init = {}) {
  const headers = new Headers(init.headers);
  if (authorization && !headers.has('Authorization')) {
    headers.set('Authorization', authorization);
  }
  return window.fetch(input, { ...init, headers });
}

// One lazy graphql-ws client per token: a client connects on its first
// subscription and closes after its last, sending the token in
// connection_init. A subscription started before the token changed keeps
// its socket; the next one opens a socket with the new token.
let ws = null;
function wsClient() {
  if (ws === null || ws.authorization !== authorization) {
    const token = authorization;
    ws = {
      authorization: token,
      client: createClient({
        url: subscriptionUrl.href,
        lazy: true,
        connectionParams: () => (token ? { Authorization: token } : {}),
      }),
    };
  }
  return ws.client;
}

const graphiqlFetcher = createGraphiQLFetcher({
  url: url.href,
  fetch: fetchWithAuthorization,
  enableIncrementalDelivery: false, // the gateway answers plain JSON
  get wsClient() {
    return wsClient();
  },
});

// GraphiQL parses the query editor 100 ms after its last change, and the
// fetcher picks HTTP or the websocket from that parse: an operation run
// sooner (pasted, then Ctrl-Enter) would go with the previous one's
// transport and operation name. Parse the text actually sent instead.
function fetcher(params, opts) {
  let documentAST;
  try {
    documentAST = parse(params.query);
  } catch {
    return graphiqlFetcher(params, opts); // the gateway will say what is wrong
  }
  const names = documentAST.definitions
    .filter((d) => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => d.name?.value);
  let { operationName } = params;
  if (names.length === 1 && operationName != null && operationName !== names[0]) {
    operationName = names[0]; // a stale name from the previous text
  }
  return graphiqlFetcher({ ...params, operationName }, { ...opts, documentAST });
}

const defaultQuery = `# Clever Cloud GraphQL gateway: run with Ctrl-Enter.
# The Authorization field above goes with every
# request, and in connection_init for subscriptions.

{
  self { name email }
  organisations {
    id name
    applications { id name zone { city } }
  }
}
`;

function AuthorizationField() {
  const [value, setValue] = useState(authorization);
  return (
    <header className="playground-bar">
      <span className="playground-title">Clever Cloud GraphQL</span>
      <label className="playground-auth">
        <span>Authorization</span>
        <input
          id="playground-authorization"
          type="text"
          value={value}
          placeholder="Bearer <API token>"
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => {
            setValue(e.target.value);
            setAuthorization(e.target.value);
          }}
        />
      </label>
      <span className="playground-hint">kept in this browser; sent as the Authorization header and in connection_init</span>
    </header>
  );
}

function Playground() {
  return (
    <>
      <AuthorizationField />
      <main className="playground-graphiql">
        <GraphiQL
          fetcher={fetcher}
          defaultQuery={defaultQuery}
          defaultHeaders={Object.keys(defaultHeaders).length ? JSON.stringify(defaultHeaders, null, 2) : undefined}
          inputValueDeprecation
        />
      </main>
    </>
  );
}

createRoot(document.getElementById('playground')).render(
  <StrictMode>
    <Playground />
  </StrictMode>,
);
