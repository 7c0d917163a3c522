// get_log_overview, get_log_patterns and the prompts that start from them,
// over stdio, driven by the official TypeScript SDK client (which checks
// every structuredContent against the tool's outputSchema once the tools
// are listed).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { call, callError, connectStdio, enableOutputValidation, tempDir, removeDir, textOf } from './lib.mjs';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

// n lines over an hour: INFO requests, a WARN naming an e-mail twice,
// and an ERROR burst in minute 30 (more than 5 a bucket: a burst over a
// median of 0 needs that).
function serviceLog(svc, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const sec = Math.floor((i * 3600) / n);
    const ts = `2024-05-01T10:${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}Z`;
    if (i === n / 2 || i === n / 2 + 7) out.push(`${ts} WARN ${svc} login slow for alice.smith@corp-mail.com: ${2000 + i} ms`);
    else if (Math.floor(sec / 60) === 30) out.push(`${ts} ERROR ${svc} connection to db-${i % 3} refused`);
    else out.push(`${ts} INFO ${svc} served request ${i} in ${i % 97} ms`);
  }
  return out.join('\n') + '\n';
}

describe('patterns and overview (stdio)', () => {
  let dataDir;
  let srv;
  let client;
  let validationErr;
  let issue;
  let api;
  let db;

  before(async () => {
    dataDir = tempDir();
    srv = await connectStdio({ dataDir });
    client = srv.client;
    validationErr = await enableOutputValidation(client);
    issue = (await call(client, 'create_issue', { title: 'checkout errors' })).structuredContent.id;
    api = (await call(client, 'upload_log_file_by_content', { issue_id: issue, file_name: 'api.log', content: serviceLog('api', 1200) })).structuredContent.id;
    db = (await call(client, 'upload_log_file_by_content', { issue_id: issue, file_name: 'db.log', content: serviceLog('api', 300) })).structuredContent.id;
  });
  after(async () => {
    await srv?.close();
    if (dataDir) removeDir(dataDir);
  });

  it('the SDK accepts the listing', () => assert.equal(validationErr, null));

  it('get_log_overview: span, levels, histogram, bursts, patterns, first error', async () => {
    const res = await call(client, 'get_log_overview', { log_file_id: api });
    const ov = res.structuredContent;
    assert.equal(ov.indexed, true);
    assert.equal(ov.lines, 1200);
    assert.equal(ov.time_start, '2024-05-01T10:00:00Z');
    assert.equal(ov.time_end, '2024-05-01T10:59:57Z');
    assert.deepEqual(ov.levels, { INFO: 1180, WARN: 2, ERROR: 18 });
    assert.ok(ov.histogram.lines.length > 0 && ov.histogram.lines.length <= 48);
    assert.equal(ov.histogram.lines.reduce((a, b) => a + b, 0), 1200);
    assert.equal([...ov.histogram.sparkline].length, ov.histogram.lines.length);
    assert.ok(ov.bursts.length > 0, 'no error burst');
    assert.match(ov.bursts[0].start, RFC3339);
    assert.equal(ov.first_error.level, 'ERROR');
    assert.match(ov.first_error.template, /connection to db-<\*> refused/);
    assert.equal(ov.top_patterns[0].level, 'INFO');
    assert.equal(ov.rare_patterns[0].level, 'WARN');
    assert.match(ov.rare_patterns[0].template, /\[EMAIL:[0-9a-f]+\]/);
    assert.ok(!JSON.stringify(res).includes('alice.smith'), 'the overview leaks the e-mail');
    assert.ok(textOf(res).includes('errors |'), 'no error sparkline in the text');
    assert.ok(textOf(res).length / 4 <= 2000);
  });

  it('get_log_patterns: one log, redacted, contains is no oracle', async () => {
    const res = await call(client, 'get_log_patterns', { log_file_id: api, level: 'WARN', sort: 'rare' });
    const p = res.structuredContent;
    assert.equal(p.total, 2);
    const warn = p.patterns[0];
    assert.equal(warn.level, 'WARN');
    assert.equal(warn.count, 2);
    assert.match(warn.first_time, RFC3339);
    assert.match(warn.last_time, RFC3339);
    const tok = warn.template.match(/\[EMAIL:[0-9a-f]+\]/)[0];
    const line = (await call(client, 'get_log_file_content', { log_file_id: api, start_line: warn.example_line, max_lines: 1 })).structuredContent.text;
    assert.ok(line.includes(tok), `the log's line ${warn.example_line} shows another pseudonym: ${line}`);
    assert.equal((await call(client, 'get_log_patterns', { log_file_id: api, contains: 'alice' })).structuredContent.total, 0);
    assert.equal((await call(client, 'get_log_patterns', { log_file_id: api, contains: tok })).structuredContent.total, 1);
  });

  it('get_log_patterns: an issue merged, paged', async () => {
    const all = (await call(client, 'get_log_patterns', { issue_id: issue, sort: 'first_seen' })).structuredContent;
    const merged = all.patterns.find((x) => x.level === 'WARN');
    assert.equal(merged.logs, 2);
    assert.equal(merged.count, 4);
    const page1 = (await call(client, 'get_log_patterns', { issue_id: issue, sort: 'first_seen', limit: 2 })).structuredContent;
    assert.equal(page1.patterns.length, 2);
    assert.ok(page1.next_cursor);
    const page2 = (await call(client, 'get_log_patterns', { issue_id: issue, sort: 'first_seen', limit: 2, cursor: page1.next_cursor })).structuredContent;
    assert.deepEqual([...page1.patterns, ...page2.patterns].map((x) => x.template), all.patterns.slice(0, 4).map((x) => x.template));
    assert.match(await callError(client, 'get_log_patterns', {}), /log file id or an issue id/);
  });

  it('triage_incident carries the overviews and starts from them', async () => {
    const pr = await client.getPrompt({ name: 'triage_incident', arguments: { issue_id: issue } });
    const msg = pr.messages[0].content.text;
    assert.ok(msg.indexOf('get_log_overview') >= 0 && msg.indexOf('get_log_overview') < msg.indexOf('get_log_patterns'));
    assert.ok(msg.includes(`api.log (${api})`) && msg.includes(`db.log (${db})`), 'an overview is missing');
    assert.ok(!msg.includes('alice.smith'));
  });
});
