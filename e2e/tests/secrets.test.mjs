// Planted secrets never reach the model: a log full of them is stored (by
// the `ingest` command and by upload_log_file_by_content) and read back
// through every reading path; no planted value may appear anywhere in any
// JSON response. Then the audit log must record, for a read, the SHA-256 of
// exactly what the client received, and who the client was.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';

import {
  binEnv, call, CLIENT_INFO, connectHTTP, connectStdio, contentDigest, enableOutputValidation, httpToken, removeDir, run,
  startHTTP, tempDir, textOf,
} from './lib.mjs';

// A PEM private-key body: random base64, 64 characters a line.
const pemBody = crypto.randomBytes(48 * 6).toString('base64').match(/.{1,64}/g);
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MjQyNDIiLCJuYW1lIjoiSmFuZSBEb2UiLCJpYXQiOjE3NjQ1MDAwMDB9.'
  + crypto.randomBytes(32).toString('base64url');

// Each planted secret: the value, and fragments that must not appear either.
const SECRETS = {
  aws_key_id: { value: 'AKIAQ3EGRT5NWX7ZJ4PL' },
  github_token: { value: `ghp_${crypto.randomBytes(27).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 36)}` },
  password: { value: 'S3cr3t-Pa55w0rd!q7' },
  email: { value: 'jane.doe@example-corp.com' },
  ipv4: { value: '10.42.17.203' },
  jwt: { value: JWT, fragments: JWT.split('.') },
  credit_card: { value: '4929381755620147', fragments: ['4929 3817 5562 0147', '4929-3817-5562-0147'] },
  pem_private_key: { value: pemBody.join('\n'), fragments: pemBody.map((l) => l.slice(8, 40)) },
};

function luhn(digits) {
  let sum = 0;
  [...digits].reverse().forEach((c, i) => {
    let d = Number(c);
    if (i % 2) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  });
  return sum % 10 === 0;
}

// The log: ordinary lines around one line per secret, and the PEM block.
const LINES = [
  '2026-11-30T09:59:58Z INFO starting api-gateway v2.3.1',
  '2026-11-30T09:59:59Z INFO config loaded from /etc/gateway/config.yaml',
  `2026-11-30T10:00:00Z DEBUG aws client: access key id ${SECRETS.aws_key_id.value} region eu-west-1`,
  `2026-11-30T10:00:01Z DEBUG git clone with token ${SECRETS.github_token.value}`,
  `2026-11-30T10:00:02Z WARN db connect retry: host=db-1 user=app password=${SECRETS.password.value} attempt=3`,
  `2026-11-30T10:00:03Z INFO login ok for user ${SECRETS.email.value} session=91f2`,
  `2026-11-30T10:00:04Z INFO upstream ${SECRETS.ipv4.value}:8443 healthy`,
  `2026-11-30T10:00:05Z DEBUG Authorization: Bearer ${SECRETS.jwt.value}`,
  `2026-11-30T10:00:06Z INFO payment accepted card=${SECRETS.credit_card.value} amount=42.00 EUR`,
  '2026-11-30T10:00:07Z ERROR tls: loaded key material follows',
  '-----BEGIN RSA PRIVATE KEY-----',
  ...pemBody,
  '-----END RSA PRIVATE KEY-----',
  '2026-11-30T10:00:08Z ERROR handshake failed: bad certificate',
  '2026-11-30T10:00:09Z INFO shutting down',
];
const LOG = LINES.join('\n') + '\n';
// The copy uploaded over MCP differs by its first line (else it is the
// same content, and the store keeps one copy).
const LOG_COPY = `# copy uploaded over MCP\n${LOG}`;
const PEM_FIRST = LINES.indexOf('-----BEGIN RSA PRIVATE KEY-----') + 1; // 1-based line numbers
const PEM_LAST = LINES.indexOf('-----END RSA PRIVATE KEY-----') + 1;

// leaksIn lists the planted values and fragments in what the server sent
// (the whole JSON result, stringified), each with some context.
function leaksIn(what, result) {
  const json = JSON.stringify(result);
  // JSON escapes newlines; look in the decoded text as well.
  const hay = `${json}\n${json.replace(/\\n/g, '\n')}`;
  const found = [];
  for (const [kind, s] of Object.entries(SECRETS)) {
    const needle = [s.value, ...(s.fragments ?? [])].find((n) => hay.includes(n));
    if (needle) {
      const at = hay.indexOf(needle);
      found.push(`${what}: planted ${kind} leaked: ...${hay.slice(Math.max(0, at - 80), at + needle.length + 40)}...`);
    }
  }
  return found;
}

function assertNoSecret(what, result) {
  const found = leaksIn(what, result);
  assert.equal(found.length, 0, found.join('\n'));
}

describe('secrets', () => {
  let dataDir;
  let srv;
  let client;
  let issueId;
  let ingestedId; // stored by the ingest command
  let uploadedId; // stored by upload_log_file_by_content
  let auditedCall; // { args, result } of one get_log_file_content call
  const checked = []; // what was read, for the report in the last test
  const setup = []; // [tool, result] of the writes made in before()
  let resourceRead; // { uri, result } of one resources/read
  let windowCalls = 0; // get_log_file_content calls made by the window test

  // read calls a reading path and notes any secret in its answer; each
  // test ends with noLeaks(), so that one test reports every leak it saw.
  let leaks = [];
  async function read(what, fn) {
    const res = await fn();
    checked.push(what);
    leaks.push(...leaksIn(what, res));
    return res;
  }
  function noLeaks() {
    const found = leaks;
    leaks = [];
    assert.equal(found.length, 0, `${found.length} leaks:\n${found.join('\n')}`);
  }
  beforeEach(() => { leaks = []; });

  before(async () => {
    assert.ok(luhn(SECRETS.credit_card.value), 'the planted card number must pass Luhn');
    dataDir = tempDir();
    const logPath = path.join(tempDir('tftsr-e2e-in-'), 'gateway.log');
    fs.writeFileSync(logPath, LOG);
    const ing = await run(['ingest', '--issue', 'Gateway TLS failure', logPath], { env: binEnv(dataDir) });
    assert.equal(ing.code, 0, `ingest failed: ${ing.stderr}`);
    removeDir(path.dirname(logPath));

    srv = await connectStdio({ dataDir });
    client = srv.client;
    await enableOutputValidation(client);

    // The setup writes go through MCP too; their answers are checked in
    // the first test.
    const list = await call(client, 'list_all_log_files', {});
    assert.equal(list.structuredContent.log_files.length, 1, 'ingest stored one log');
    ingestedId = list.structuredContent.log_files[0].id;
    issueId = list.structuredContent.log_files[0].issue_id;
    setup.push(['update_issue', await call(client, 'update_issue', {
      issue_id: issueId,
      description: `Customer ${SECRETS.email.value} says login fails; db password=${SECRETS.password.value}; key ${SECRETS.aws_key_id.value}`,
    })]);
    const up = await call(client, 'upload_log_file_by_content', { issue_id: issueId, file_name: 'gateway-copy.log', content: LOG_COPY });
    setup.push(['upload_log_file_by_content', up]);
    uploadedId = up.structuredContent.id;
    setup.push(['add_timeline_event', await call(client, 'add_timeline_event', {
      issue_id: issueId, event_type: 'note', description: `paged ${SECRETS.email.value} from ${SECRETS.ipv4.value}`,
      metadata: { token: SECRETS.github_token.value },
    })]);
    setup.push(['add_resolution_step', await call(client, 'add_resolution_step', {
      issue_id: issueId, step_order: 1, why_question: 'Why did TLS fail?', answer: 'The key was rotated',
      evidence: `key id ${SECRETS.aws_key_id.value} in line 3`,
    })]);
  });
  after(async () => {
    await srv?.close();
    if (dataDir) removeDir(dataDir);
  });

  it('writes echo no secrets back', () => {
    assert.ok(uploadedId && uploadedId !== ingestedId);
    for (const [tool, res] of setup) {
      checked.push(tool);
      assertNoSecret(tool, res);
    }
  });

  it('list_all_log_files, list_issues', async () => {
    const list = await read('list_all_log_files', () => call(client, 'list_all_log_files', {}));
    assert.equal(list.structuredContent.log_files.length, 2);
    assert.deepEqual(list.structuredContent.log_files.map((f) => f.line_count).sort(), [LINES.length, LINES.length + 1]);
    await read('list_issues', () => call(client, 'list_issues', {}));
    noLeaks();
  });

  it('get_log_file_content: whole, and in windows that cut through the PEM block', async () => {
    for (const id of [ingestedId, uploadedId]) {
      const whole = await read('get_log_file_content whole', () => call(client, 'get_log_file_content', { log_file_id: id }));
      assert.equal(whole.structuredContent.total_lines, LINES.length + (id === uploadedId ? 1 : 0));
      assert.ok(whole.structuredContent.redactions >= Object.keys(SECRETS).length,
        `only ${whole.structuredContent.redactions} redactions for ${Object.keys(SECRETS).length} planted secrets`);
      // The ordinary lines survive redaction.
      assert.ok(whole.structuredContent.text.includes(LINES[0]), 'plain lines must be kept');
      await read('get_log_file_content tail', () => call(client, 'get_log_file_content', { log_file_id: id, tail: true, max_lines: 5 }));

      // Every window of 1, 2 and 3 lines: each starts and ends somewhere
      // else inside the PEM block and around the other secrets.
      for (const size of [1, 2, 3]) {
        for (let start = 1; start <= whole.structuredContent.total_lines; start++) {
          const args = { log_file_id: id, start_line: start, max_lines: size };
          const res = await read(`get_log_file_content ${start}+${size}`, () => call(client, 'get_log_file_content', args));
          windowCalls++;
          if (id === ingestedId && size === 3 && start === PEM_FIRST + 1) auditedCall = { args, result: res };
        }
      }
    }
    assert.ok(PEM_LAST - PEM_FIRST >= 4, 'the PEM block spans several windows');
    noLeaks();
  });

  it('search_logs: password, a line fragment, the secrets themselves', async () => {
    const pw = await read('search_logs password', () => call(client, 'search_logs', { pattern: 'password', context_lines: 2 }));
    assert.equal(pw.structuredContent.matches.length, 2, 'both copies of the password line match');
    const frag = await read('search_logs fragment', () => call(client, 'search_logs', { pattern: 'login ok for user' }));
    assert.equal(frag.structuredContent.matches.length, 2);
    await read('search_logs regex', () => call(client, 'search_logs', { pattern: 'BEGIN|END|Bearer|card=', regex: true, context_lines: 3 }));
    // Search is no oracle: a secret itself is refused (search by its
    // pseudonym), and a part of one finds nothing, as its bytes are not shown.
    for (const s of [SECRETS.aws_key_id.value, SECRETS.github_token.value.slice(0, 12), SECRETS.ipv4.value, SECRETS.ipv4.value.slice(0, 7),
      pemBody[2].slice(0, 20)]) {
      const res = await read(`search_logs ${s.slice(0, 6)}...`, () => client.callTool({ name: 'search_logs', arguments: { pattern: s, context_lines: 1 } }));
      if (res.isError) {
        assert.match(textOf(res), /pseudonym/, `search for a secret: ${textOf(res)}`);
      } else {
        assert.equal(res.structuredContent.matches.length, 0, `search for a part of a secret matched: ${textOf(res)}`);
      }
    }
    // Its pseudonym finds the lines that hold it.
    const win = (await call(client, 'get_log_file_content', { log_file_id: ingestedId, start_line: 7, max_lines: 1 })).structuredContent.text;
    const [ipTok] = win.match(/\[IPV4:[0-9a-f]+\]/) ?? [];
    assert.ok(ipTok, `no IPV4 pseudonym in: ${win}`);
    const byTok = await read('search_logs pseudonym', () => call(client, 'search_logs', { pattern: ipTok }));
    assert.equal(byTok.structuredContent.matches.length, 2, 'both copies of the address line match its pseudonym');
    noLeaks();
  });

  it('get_issue, timeline, steps, documents, resources, prompts, pii report', async () => {
    const iss = await read('get_issue', () => call(client, 'get_issue', { issue_id: issueId }));
    assert.equal(iss.structuredContent.log_files.length, 2);
    assert.match(iss.structuredContent.issue.description, /says login fails/);
    await read('search_issues', () => call(client, 'search_issues', { query: 'gateway' }));
    const tl = await read('get_timeline_events', () => call(client, 'get_timeline_events', { issue_id: issueId }));

    // Pseudonyms are stable: the same e-mail and address get the same token
    // in a log window, the issue description and the timeline.
    const win = (await call(client, 'get_log_file_content', { log_file_id: ingestedId, start_line: 6, max_lines: 2 })).structuredContent.text;
    const tokens = (text, kind) => [...text.matchAll(new RegExp(`\\[${kind}:[0-9a-f]+\\]`, 'g'))].map((m) => m[0]);
    const [email] = tokens(win, 'EMAIL');
    const [ip] = tokens(win, 'IPV4');
    assert.ok(email && ip, `no EMAIL/IPV4 pseudonyms in: ${win}`);
    assert.deepEqual(tokens(iss.structuredContent.issue.description, 'EMAIL'), [email], 'e-mail token in the description');
    const note = tl.structuredContent.events.find((e) => e.event_type === 'note');
    assert.deepEqual([...tokens(note.description, 'EMAIL'), ...tokens(note.description, 'IPV4')], [email, ip], 'tokens in the timeline');
    await read('list_resolution_steps', () => call(client, 'list_resolution_steps', { issue_id: issueId }));
    for (const id of [ingestedId, uploadedId]) {
      const uri = `tftsr://logs/${id}`;
      const res = await read('resources/read log', () => client.readResource({ uri }));
      if (id === ingestedId) resourceRead = { uri, result: res };
      const pii = await read('get_pii_report', () => call(client, 'get_pii_report', { log_file_id: id }));
      assert.ok(pii.structuredContent.total >= Object.keys(SECRETS).length, `pii report: ${JSON.stringify(pii.structuredContent)}`);
    }
    await read('resources/read issue', () => client.readResource({ uri: `tftsr://issues/${issueId}` }));
    await read('resources/list', () => client.listResources());
    for (const name of ['triage_incident', 'five_whys', 'write_rca', 'write_postmortem']) {
      await read(`prompts/get ${name}`, () => client.getPrompt({ name, arguments: { issue_id: issueId } }));
    }
    noLeaks();
  });

  // Titles and file names are redacted too: they come from people and from
  // folder names, and reach the model in lists and prompts.
  it('an issue title with an e-mail in it', async () => {
    // Titles come from people and from folder names (the watcher, ingest
    // --issue); they reach the model in list answers and prompts.
    // (create_issue echoes what the model itself sent: not checked.)
    const created = await call(client, 'create_issue', { title: `Login failures reported by ${SECRETS.email.value}` });
    const id = created.structuredContent.id;
    await read('upload_log_file_by_content (titled issue)', () => call(client, 'upload_log_file_by_content', {
      issue_id: id, file_name: 'note.log', content: 'nothing secret here\n',
    }));
    await read('get_issue (titled issue)', () => call(client, 'get_issue', { issue_id: id }));
    await read('list_all_log_files (titled issue)', () => call(client, 'list_all_log_files', { issue_id: id }));
    await read('list_issues (titled issue)', () => call(client, 'list_issues', {}));
    await read('prompts/get (titled issue)', () => client.getPrompt({ name: 'triage_incident', arguments: { issue_id: id } }));
    noLeaks();
  });

  it('audit: ai_send entries carry the SHA-256 of what the client received, and the client', async (t) => {
    assert.ok(auditedCall, 'no get_log_file_content call recorded by the window test');
    const help = await run(['audit', '--help'], { env: binEnv(dataDir) });
    assert.ok(!/unknown command/.test(help.stderr), `tftsr-mcp has no audit command yet: ${help.stderr.trim()}`);

    // Closing the server appends every queued audit entry.
    await srv.close();
    srv = undefined;

    // One more read over HTTP, from a client with another name: its entry
    // must name that client and the HTTP session.
    const httpClientInfo = { name: 'tftsr-e2e-http', version: '2.0.0-rc.1' };
    const hs = await startHTTP({ dataDir });
    let httpCall;
    try {
      const hc = await connectHTTP(hs.url, { headers: { Authorization: `Bearer ${httpToken(dataDir)}` }, clientInfo: httpClientInfo });
      await enableOutputValidation(hc.client);
      const args = { log_file_id: uploadedId, start_line: 2, max_lines: 4 };
      httpCall = { args, result: await call(hc.client, 'get_log_file_content', args), sessionId: hc.transport.sessionId };
      await hc.close();
    } finally {
      await hs.close();
    }

    const out = await run(['audit', 'list', '--json', '--action', 'ai_send', '--limit', '1000'], { env: binEnv(dataDir) });
    assert.equal(out.code, 0, `audit list --json: ${out.stderr}`);
    const entries = out.stdout.split('\n').filter((l) => l.trim()).map((l, i) => {
      try { return JSON.parse(l); } catch { throw new Error(`audit list --json line ${i + 1} is not JSON: ${l.slice(0, 200)}`); }
    });
    const details = (e) => (typeof e.details === 'string' ? JSON.parse(e.details) : e.details ?? {});
    const sends = entries.filter((e) => (e.action ?? details(e).action) === 'ai_send').map(details);
    const reads = sends.filter((d) => d.tool === 'get_log_file_content').length;
    assert.ok(reads >= windowCalls + 1, `${reads} ai_send entries for get_log_file_content; made ${windowCalls + 1} and more`);
    const find = (c) => sends.filter((d) => d.tool === 'get_log_file_content'
      && d.arguments?.log_file_id === c.args.log_file_id
      && d.arguments?.start_line === c.args.start_line
      && d.arguments?.max_lines === c.args.max_lines);

    for (const [c, info, transport] of [[auditedCall, CLIENT_INFO, 'stdio'], [httpCall, httpClientInfo, 'http']]) {
      const match = find(c);
      assert.equal(match.length, 1, `ai_send entries for ${JSON.stringify(c.args)}: ${JSON.stringify(match)}`);
      const d = match[0];
      const want = contentDigest(c.result);
      assert.equal(d.sha256, want.sha256, `${transport}: audit sha256 differs from the SHA-256 of what the client received`);
      assert.equal(d.bytes, want.bytes, `${transport}: bytes`);
      assert.deepEqual([d.client, d.client_version], [info.name, info.version], `${transport}: client name/version`);
      assert.equal(d.transport, transport);
      assert.equal(d.redaction, 'redacted');
      assert.ok(d.ids?.includes(c.args.log_file_id), `${transport}: ids ${JSON.stringify(d.ids)}`);
      if (c.sessionId) assert.equal(d.session_id, c.sessionId, 'http: session_id is the Mcp-Session-Id');
    }
    // A resource read is recorded the same way: SHA-256 over the text (or
    // base64 blob) of its contents, in order.
    const rr = sends.filter((d) => d.tool === 'resources/read' && d.arguments?.uri === resourceRead.uri);
    assert.equal(rr.length, 1, `ai_send entries for resources/read ${resourceRead.uri}: ${JSON.stringify(rr)}`);
    const rh = crypto.createHash('sha256');
    for (const c of resourceRead.result.contents) rh.update(c.text ?? c.blob ?? '');
    assert.equal(rr[0].sha256, rh.digest('hex'), 'resources/read: audit sha256 differs from what the client received');
    assert.deepEqual([rr[0].client, rr[0].client_version, rr[0].transport], [CLIENT_INFO.name, CLIENT_INFO.version, 'stdio']);

    // Uploaded content is summarised in the audit log, not copied.
    const upload = sends.find((x) => x.tool === 'upload_log_file_by_content');
    assert.ok(upload, 'no ai_send entry for upload_log_file_by_content');
    assert.ok(!JSON.stringify(upload.arguments).includes(LINES[2]), 'the audit log copies uploaded content');
    t.diagnostic(`${sends.length} ai_send entries; ${checked.length} reads checked for secrets`);
  });
});
