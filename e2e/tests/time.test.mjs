// The time axis and the search's new arguments over stdio, through the
// official TypeScript SDK client (which validates every structuredContent
// against the tool's outputSchema): at_time, since/until, count_only,
// group_by_pattern and read_logs_by_time.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { call, callError, connectStdio, enableOutputValidation, tempDir, removeDir, textOf } from './lib.mjs';

const START = Date.UTC(2026, 10, 30, 3, 0, 0); // 2026-11-30T03:00:00Z

// n lines one second apart from START + offsetMs; every fifth an ERROR.
function timedLog(name, n, offsetMs) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const ts = new Date(START + offsetMs + i * 1000).toISOString();
    lines.push(i % 5 === 0 ? `${ts} ERROR ${name}: disk /dev/sda is full (${90 + (i % 10)}%)` : `${ts} INFO ${name} handled request ${i} in ${i % 97} ms`);
  }
  return lines.join('\n') + '\n';
}

describe('time axis', () => {
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
    issue = (await call(client, 'create_issue', { title: 'API errors at 03:14' })).structuredContent.id;
    api = (await call(client, 'upload_log_file_by_content', { issue_id: issue, file_name: 'api.log', content: timedLog('api', 1200, 0) })).structuredContent.id;
    db = (await call(client, 'upload_log_file_by_content', { issue_id: issue, file_name: 'db.log', content: timedLog('db', 1200, 500) })).structuredContent.id;
  });
  after(async () => {
    await srv?.close();
    if (dataDir) removeDir(dataDir);
  });

  it('get_log_file_content: at_time starts at the first line at or after it', async () => {
    const w = (await call(client, 'get_log_file_content', { log_file_id: api, at_time: '2026-11-30T03:14:00Z', max_lines: 2 })).structuredContent;
    assert.equal(w.start_line, 841);
    assert.equal(w.end_line, 842);
    assert.equal(w.at_time, '2026-11-30T03:14:00Z');
    assert.ok(w.text.startsWith('2026-11-30T03:14:00.000Z ERROR api'), w.text);
    const late = await callError(client, 'get_log_file_content', { log_file_id: api, at_time: '2026-12-01T00:00:00Z' });
    assert.match(late, /reached line 1200/);
    assert.equal(validationErr, null);
  });

  it('search_logs: since/until read only lines in range, with times', async () => {
    const res = (await call(client, 'search_logs', {
      pattern: 'ERROR', issue_id: issue, since: '2026-11-30T03:10:00Z', until: '2026-11-30T03:11:00Z', max_matches: 100, collapse_repeats: false,
    })).structuredContent;
    assert.equal(res.matches.length, 24);
    for (const m of res.matches) assert.ok(m.time >= '2026-11-30T03:10:00' && m.time < '2026-11-30T03:11:00', m.time);
    assert.equal(typeof res.chunks_scanned, 'number');
    assert.ok(res.chunks_total >= 2 && res.chunks_scanned <= res.chunks_total);
  });

  it('search_logs: count_only counts per log and over time', async () => {
    const out = await call(client, 'search_logs', { pattern: 'error', ignore_case: true, issue_id: issue, count_only: true });
    const res = out.structuredContent;
    assert.equal(res.total_matches, 480);
    assert.deepEqual(res.per_log.map((p) => p.matches).sort(), [240, 240]);
    assert.deepEqual(res.matches, []);
    const h = res.histogram;
    assert.ok(h.counts.length <= 48 && h.counts.length >= 10, `${h.counts.length} buckets`);
    assert.equal(h.counts.reduce((a, b) => a + b, 0), 480);
    assert.ok(textOf(out).includes(h.sparkline));
  });

  it('search_logs: runs of one template collapse; group_by_pattern counts templates', async () => {
    const res = (await call(client, 'search_logs', { pattern: 'is full', log_file_id: api, max_matches: 10 })).structuredContent;
    assert.equal(res.matches.length, 2);
    assert.equal(res.matches[1].more_like_this, 9);
    assert.match(res.matches[1].line, /^9 more like this \(lines \d+-\d+\)$/);
    const g = (await call(client, 'search_logs', { pattern: 'ERROR', issue_id: issue, group_by_pattern: true })).structuredContent;
    assert.equal(g.groups.length, 2); // one template per log
    assert.deepEqual(g.groups.map((x) => x.count), [240, 240]);
    assert.ok(g.groups.every((x) => x.template.includes('<*>') && x.first_line === 1 && x.last_line === 1196));
  });

  it('read_logs_by_time: two logs merged in time order, paged', async () => {
    const page = (await call(client, 'read_logs_by_time', {
      log_file_ids: [api, db], since: '2026-11-30T03:14:00Z', until: '2026-11-30T03:14:03Z', max_lines: 4,
    })).structuredContent;
    assert.equal(page.logs, 2);
    assert.deepEqual(page.lines.map((l) => [l.file_name, l.line_number]), [['api.log', 841], ['db.log', 841], ['api.log', 842], ['db.log', 842]]);
    assert.deepEqual(page.lines.map((l) => l.time), ['2026-11-30T03:14:00.000Z', '2026-11-30T03:14:00.500Z', '2026-11-30T03:14:01.000Z', '2026-11-30T03:14:01.500Z']);
    assert.ok(page.lines.every((l) => l.line.startsWith(l.time)));
    assert.ok(page.next_cursor);
    const rest = (await call(client, 'read_logs_by_time', {
      issue_id: issue, since: '2026-11-30T03:14:00Z', until: '2026-11-30T03:14:03Z', max_lines: 4, cursor: page.next_cursor,
    })).structuredContent;
    assert.deepEqual(rest.lines.map((l) => [l.file_name, l.line_number]), [['api.log', 843], ['db.log', 843]]);
    assert.equal(rest.next_cursor, undefined);
    assert.match(await callError(client, 'read_logs_by_time', { since: '2026-11-30T03:14:00Z' }), /issue_id or log_file_ids/);
    assert.equal(validationErr, null);
  });
});
