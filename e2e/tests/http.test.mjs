// The server over streamable HTTP: bearer token, Origin and Host checks,
// health check, concurrent sessions, and the refusals of unsafe listen
// addresses. The client is the SDK's StreamableHTTPClientTransport.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  binEnv, call, connectHTTP, enableOutputValidation, httpToken, rawListTools, removeDir, run, startHTTP, tempDir,
} from './lib.mjs';

const INIT = {
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw-fetch', version: '1' } },
};

// post sends one JSON-RPC message with fetch, as a client would.
function post(url, headers = {}, body = INIT) {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
}

describe('http', () => {
  let dataDir;
  let srv;
  let token;
  const clients = [];

  before(async () => {
    dataDir = tempDir();
    srv = await startHTTP({ dataDir });
    token = httpToken(dataDir);
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await srv?.close();
    if (dataDir) removeDir(dataDir);
  });

  const auth = () => ({ Authorization: `Bearer ${token}` });

  it('logs a loopback URL and creates a token file', () => {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assert.ok(token.length >= 16, 'token too short');
  });

  it('with the token: list tools and call one', async () => {
    const c = await connectHTTP(srv.url, { headers: auth() });
    clients.push(c);
    assert.equal(c.client.getServerVersion().name, 'tftsr-mcp');
    assert.ok(c.transport.sessionId, 'no Mcp-Session-Id');
    await enableOutputValidation(c.client);
    const tools = await rawListTools(c.client);
    assert.ok(tools.some((t) => t.name === 'get_log_file_content'));
    const res = await call(c.client, 'create_issue', { title: 'HTTP issue' });
    assert.equal(res.structuredContent.title, 'HTTP issue');
    const list = await call(c.client, 'list_issues', {});
    assert.ok(list.structuredContent.issues.some((i) => i.id === res.structuredContent.id));
  });

  it('without a token: 401', async () => {
    const res = await post(srv.url);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.match(await res.text(), /Authorization: Bearer/);
    await assert.rejects(connectHTTP(srv.url), /401|Unauthorized/i);
  });

  it('with a wrong token: 401', async () => {
    const wrong = { Authorization: `Bearer ${'x'.repeat(token.length)}` };
    assert.equal((await post(srv.url, wrong)).status, 401);
    assert.equal((await post(srv.url, { Authorization: `Bearer ${token}x` })).status, 401);
    assert.equal((await post(srv.url, { Authorization: `Basic ${token}` })).status, 401);
    await assert.rejects(connectHTTP(srv.url, { headers: wrong }), /401|Unauthorized/i);
  });

  it('a foreign Origin: 403, even with the token', async () => {
    const res = await post(srv.url, { ...auth(), Origin: 'http://evil.example.com' });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /origin/i);
    await assert.rejects(connectHTTP(srv.url, { headers: { ...auth(), Origin: 'http://evil.example.com' } }), /403|Forbidden/i);
    // The server's own origin is fine.
    const own = new URL(srv.url).origin;
    assert.equal((await post(srv.url, { ...auth(), Origin: own })).status, 200);
  });

  it('a foreign Host: 403 (DNS rebinding)', async () => {
    // fetch will not send a forged Host header; a raw request does.
    const { request } = await import('node:http');
    const u = new URL(srv.url);
    const status = await new Promise((resolve, reject) => {
      const req = request({
        host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
        headers: { Host: 'evil.example.com', 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...auth() },
      }, (res) => { res.resume(); resolve(res.statusCode); });
      req.on('error', reject);
      req.end(JSON.stringify(INIT));
    });
    assert.equal(status, 403);
  });

  it('/healthz: 200 ok without a token', async () => {
    const res = await fetch(new URL('/healthz', srv.url));
    assert.equal(res.status, 200);
    assert.equal((await res.text()).trim(), 'ok');
  });

  it('two concurrent sessions both work', async () => {
    const [a, b] = await Promise.all([
      connectHTTP(srv.url, { headers: auth(), clientInfo: { name: 'client-a', version: '1' } }),
      connectHTTP(srv.url, { headers: auth(), clientInfo: { name: 'client-b', version: '2' } }),
    ]);
    clients.push(a, b);
    assert.notEqual(a.transport.sessionId, b.transport.sessionId);
    await Promise.all([enableOutputValidation(a.client), enableOutputValidation(b.client)]);
    const [ia, ib] = await Promise.all([
      call(a.client, 'create_issue', { title: 'from A' }),
      call(b.client, 'create_issue', { title: 'from B' }),
    ]);
    const ids = [ia.structuredContent.id, ib.structuredContent.id];
    // Interleave: each session reads what the other wrote, several times at once.
    const reads = await Promise.all(Array.from({ length: 6 }, (_, i) => call(i % 2 ? a.client : b.client, 'get_issue', { issue_id: ids[i % 2 ? 1 : 0] })));
    reads.forEach((r, i) => assert.equal(r.structuredContent.issue.id, ids[i % 2 ? 1 : 0]));
    await Promise.all([a.client.ping(), b.client.ping()]);
  });

  it('no session id where one is needed: 400; a batch: a JSON-RPC error saying so', async () => {
    const ping = { jsonrpc: '2.0', id: 2, method: 'ping' };
    const none = await post(srv.url, { ...auth(), 'MCP-Protocol-Version': '2025-11-25' }, ping);
    assert.equal(none.status, 400, await none.text());
    const batch = Array.from({ length: 10000 }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'ping' }));
    const res = await post(srv.url, auth(), batch);
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error.code, -32600);
    assert.match(body.error.message, /batches are not supported/);
  });

  it('a terminated or never-issued session id: 404', async () => {
    // Spec (basic/transports, session management): after a session ends the
    // server MUST answer requests carrying its id with 404 Not Found.
    const c = await connectHTTP(srv.url, { headers: auth() });
    const sid = c.transport.sessionId;
    await c.transport.terminateSession();
    await c.client.close();
    const ping = { jsonrpc: '2.0', id: 2, method: 'ping' };
    const afterDelete = await post(srv.url, { ...auth(), 'Mcp-Session-Id': sid }, ping);
    const forged = await post(srv.url, { ...auth(), 'Mcp-Session-Id': 'mcp-session-00000000-0000-4000-8000-000000000000' }, ping);
    assert.deepEqual(
      { terminated: afterDelete.status, neverIssued: forged.status },
      { terminated: 404, neverIssued: 404 },
      `ping with a dead session id was answered: terminated -> ${afterDelete.status} ${await afterDelete.text()}, never issued -> ${forged.status}`,
    );
  });
});

describe('http: unsafe listen addresses are refused', () => {
  let dataDir;
  before(() => { dataDir = tempDir(); });
  after(() => { if (dataDir) removeDir(dataDir); });

  it('--http 0.0.0.0:PORT without --http-allow-remote', async () => {
    const r = await run(['serve', '--http', '0.0.0.0:0'], { env: binEnv(dataDir), timeoutMs: 10_000 });
    assert.notEqual(r.code, 0, `served on 0.0.0.0: ${r.stderr}`);
    assert.match(r.stderr, /0\.0\.0\.0/);
    assert.match(r.stderr, /not a loopback/);
    assert.match(r.stderr, /--http-allow-remote/);
  });

  it('--insecure-no-auth on a non-loopback address, even with --http-allow-remote', async () => {
    for (const args of [['--http', '0.0.0.0:0', '--insecure-no-auth'], ['--http', '0.0.0.0:0', '--insecure-no-auth', '--http-allow-remote']]) {
      const r = await run(['serve', ...args], { env: binEnv(dataDir), timeoutMs: 10_000 });
      assert.notEqual(r.code, 0, `${args.join(' ')} served: ${r.stderr}`);
      assert.match(r.stderr, /--insecure-no-auth is refused/);
      assert.match(r.stderr, /loopback/);
    }
  });

  it('--insecure-no-auth on loopback serves without a token and warns', async () => {
    const srv = await startHTTP({ dataDir, args: ['--insecure-no-auth'] });
    try {
      assert.match(srv.stderr(), /level=WARN/);
      const c = await connectHTTP(srv.url);
      await c.client.ping();
      await c.close();
      assert.equal((await post(srv.url, { Origin: 'http://evil.example.com' })).status, 403, 'Origin check must stay on without auth');
    } finally {
      await srv.close();
    }
  });
});
