// The server over stdio, as desktop clients launch it, driven by the
// official TypeScript SDK client (which validates every structuredContent
// against the tool's outputSchema).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  call, callError, connectStdio, enableOutputValidation, png, pngSize, rawListTools, tempDir, removeDir, textOf,
} from './lib.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING = '0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d'; // a well-formed id that is not stored

const READ_TOOLS = [
  'list_all_log_files', 'get_log_file_content', 'search_logs', 'list_all_image_attachments', 'get_image_attachment_data',
  'get_issue', 'list_issues', 'search_issues', 'get_timeline_events', 'list_resolution_steps', 'get_document',
  'list_documents', 'get_pii_report', 'get_log_overview', 'get_log_patterns', 'read_logs_by_time',
];
const WRITE_TOOLS = [
  'upload_log_file_by_content', 'upload_paste_image', 'create_issue', 'update_issue', 'add_timeline_event',
  'add_resolution_step', 'save_document', 'detect_pii',
];

// 40 lines; line 8 and line 33 hold the errors searched for.
const LOG = Array.from({ length: 40 }, (_, i) => {
  const n = i + 1;
  const msg = n === 8 ? 'ERROR disk full on /var/lib/db' : n === 33 ? 'ERROR disk full again' : `ok request ${n}`;
  return `2026-11-30T10:00:${String(i).padStart(2, '0')}Z line ${n} ${msg}`;
}).join('\n') + '\n';
const lineOf = (n) => LOG.split('\n')[n - 1];

describe('stdio', () => {
  let dataDir;
  let srv;
  let client;
  let validationErr;
  let issue;
  let logId;

  before(async () => {
    dataDir = tempDir();
    srv = await connectStdio({ dataDir });
    client = srv.client;
    validationErr = await enableOutputValidation(client);
  });
  after(async () => {
    await srv?.close();
    if (dataDir) removeDir(dataDir);
  });

  it('initialize: server info and capabilities', () => {
    assert.equal(client.getServerVersion().name, 'tftsr-mcp');
    assert.ok(client.getServerVersion().version);
    const caps = client.getServerCapabilities();
    for (const c of ['tools', 'resources', 'prompts', 'logging']) assert.ok(caps[c], `capability ${c} missing`);
  });

  it('tools/list: every tool has a description, input and output schema, annotations', async () => {
    const tools = await rawListTools(client);
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, [...READ_TOOLS, ...WRITE_TOOLS].sort());
    for (const t of tools) {
      assert.ok(typeof t.description === 'string' && t.description.length > 10, `${t.name}: description`);
      assert.equal(t.inputSchema?.type, 'object', `${t.name}: inputSchema`);
      assert.equal(t.outputSchema?.type, 'object', `${t.name}: outputSchema`);
      assert.ok(t.annotations, `${t.name}: annotations`);
      assert.equal(typeof t.annotations.readOnlyHint, 'boolean', `${t.name}: readOnlyHint`);
      assert.equal(t.annotations.readOnlyHint, READ_TOOLS.includes(t.name), `${t.name}: readOnlyHint`);
    }
    // MCP's schema types the top-level properties of inputSchema and
    // outputSchema as objects: a boolean schema such as `"metadata": true`
    // is valid JSON Schema, but SDK clients reject the whole listing for it.
    const nonObject = [];
    for (const t of tools) {
      for (const which of ['inputSchema', 'outputSchema']) {
        for (const [k, v] of Object.entries(t[which]?.properties ?? {})) {
          if (v === null || typeof v !== 'object') nonObject.push(`${t.name}.${which}.properties.${k} = ${JSON.stringify(v)}`);
        }
      }
    }
    assert.deepEqual(nonObject, [], 'schema properties that are not objects');
    // The SDK's own tools/list schema must accept the listing: otherwise
    // client.listTools() throws and SDK clients cannot use the server.
    assert.equal(validationErr, null, `the SDK refuses the tools/list result: ${validationErr?.message}`);
  });

  it('create_issue', async () => {
    const res = await call(client, 'create_issue', {
      title: 'Disk full on db-1', description: 'db-1 stopped accepting writes', severity: 'high', tags: ['db', 'disk'],
    });
    issue = res.structuredContent;
    assert.match(issue.id, UUID);
    assert.equal(issue.title, 'Disk full on db-1');
    assert.equal(issue.severity, 'high');
    assert.equal(issue.status, 'open');
    assert.deepEqual(issue.tags, ['db', 'disk']);
  });

  it('upload_log_file_by_content and list_all_log_files', async () => {
    const up = await call(client, 'upload_log_file_by_content', { issue_id: issue.id, file_name: 'db-1.log', content: LOG });
    logId = up.structuredContent.id;
    assert.match(logId, UUID);
    assert.equal(up.structuredContent.line_count, 40);
    assert.equal(up.structuredContent.file_size, Buffer.byteLength(LOG));
    assert.equal(up.structuredContent.issue_id, issue.id);

    const list = await call(client, 'list_all_log_files', {});
    const found = list.structuredContent.log_files.find((f) => f.id === logId);
    assert.ok(found, 'uploaded log not listed');
    assert.equal(found.file_name, 'db-1.log');
    assert.equal(found.issue_title, issue.title);
    const byIssue = await call(client, 'list_all_log_files', { issue_id: issue.id });
    assert.deepEqual(byIssue.structuredContent.log_files.map((f) => f.id), [logId]);
  });

  it('get_log_file_content: windows and tail', async () => {
    const win = (await call(client, 'get_log_file_content', { log_file_id: logId, start_line: 5, max_lines: 3 })).structuredContent;
    assert.equal(win.start_line, 5);
    assert.equal(win.end_line, 7);
    assert.equal(win.total_lines, 40);
    assert.equal(win.total_bytes, Buffer.byteLength(LOG));
    assert.equal(win.has_more, true);
    assert.equal(win.redaction, 'redacted');
    assert.equal(win.text, [lineOf(5), lineOf(6), lineOf(7)].join('\n') + '\n');
    assert.equal(LOG.slice(win.start_byte, win.end_byte), win.text, 'start_byte/end_byte do not frame the text');

    const all = await call(client, 'get_log_file_content', { log_file_id: logId });
    assert.equal(all.structuredContent.text, LOG);
    assert.equal(all.structuredContent.has_more, false);
    assert.ok(textOf(all).includes(lineOf(40)), 'text content lacks the log');

    const tail = (await call(client, 'get_log_file_content', { log_file_id: logId, tail: true, max_lines: 2 })).structuredContent;
    assert.equal(tail.start_line, 39);
    assert.equal(tail.end_line, 40);
    assert.equal(tail.has_more, false);
    assert.equal(tail.text, `${lineOf(39)}\n${lineOf(40)}\n`);

    const past = await client.callTool({ name: 'get_log_file_content', arguments: { log_file_id: logId, start_line: 41 } });
    if (!past.isError) assert.equal(past.structuredContent.text, '', 'a window past the end returns no lines');
  });

  it('search_logs: text, regex, context', async () => {
    const res = (await call(client, 'search_logs', { pattern: 'disk full' })).structuredContent;
    assert.deepEqual(res.matches.map((m) => m.line_number), [8, 33]);
    assert.equal(res.matches[0].line, lineOf(8));
    assert.equal(res.matches[0].log_file_id, logId);
    assert.equal(res.truncated, false);

    const re = (await call(client, 'search_logs', { pattern: 'line 3[0-9] ERROR', regex: true, context_lines: 1 })).structuredContent;
    assert.equal(re.matches.length, 1);
    assert.equal(re.matches[0].line_number, 33);
    assert.deepEqual(re.matches[0].before, [lineOf(32)]);
    assert.deepEqual(re.matches[0].after, [lineOf(34)]);

    const ci = (await call(client, 'search_logs', { pattern: 'DISK FULL', ignore_case: true, log_file_id: logId, max_matches: 1 })).structuredContent;
    assert.equal(ci.matches.length, 1);
    assert.equal(ci.truncated, true);
  });

  it('add_timeline_event and get_timeline_events', async () => {
    const ev = await call(client, 'add_timeline_event', {
      issue_id: issue.id, event_type: 'action_taken', description: 'rotated logs on db-1', metadata: { step: 'rotate', freed_gb: 12 },
    });
    assert.match(ev.structuredContent.id, UUID);
    assert.deepEqual(ev.structuredContent.metadata, { step: 'rotate', freed_gb: 12 });
    const events = (await call(client, 'get_timeline_events', { issue_id: issue.id })).structuredContent.events;
    const mine = events.find((e) => e.id === ev.structuredContent.id);
    assert.ok(mine, 'event not in the timeline');
    assert.equal(mine.description, 'rotated logs on db-1');
    assert.ok(events.some((e) => e.event_type === 'log_uploaded'), 'log upload not in the timeline');
  });

  it('add_resolution_step and list_resolution_steps', async () => {
    const step = await call(client, 'add_resolution_step', {
      issue_id: issue.id, step_order: 1, why_question: 'Why did writes stop?', answer: 'The disk was full', evidence: `log ${logId} line 8`,
    });
    assert.equal(step.structuredContent.step_order, 1);
    const steps = (await call(client, 'list_resolution_steps', { issue_id: issue.id })).structuredContent.steps;
    assert.deepEqual(steps.map((s) => s.answer), ['The disk was full']);
  });

  it('save_document and get_document', async () => {
    const md = '# RCA: disk full on db-1\n\nRoot cause: log rotation was off.\n';
    const saved = await call(client, 'save_document', { issue_id: issue.id, doc_type: 'rca', title: 'RCA db-1', content_md: md });
    const id = saved.structuredContent.id;
    assert.match(id, UUID);
    const doc = (await call(client, 'get_document', { document_id: id })).structuredContent;
    assert.equal(doc.content_md, md);
    assert.equal(doc.doc_type, 'rca');
    assert.equal(doc.title, 'RCA db-1');
    const docs = (await call(client, 'list_documents', { issue_id: issue.id })).structuredContent.documents;
    assert.deepEqual(docs.map((d) => d.id), [id]);
  });

  it('get_issue: the incident with its evidence', async () => {
    const got = (await call(client, 'get_issue', { issue_id: issue.id })).structuredContent;
    assert.equal(got.issue.id, issue.id);
    assert.equal(got.issue.description, 'db-1 stopped accepting writes');
    assert.deepEqual(got.log_files.map((f) => f.id), [logId]);
    assert.equal(got.steps.length, 1);
    assert.ok(got.timeline.some((e) => e.event_type === 'action_taken'));
  });

  it('upload_paste_image and get_image_attachment_data', async () => {
    const img = png(7, 5);
    const up = await call(client, 'upload_paste_image', { issue_id: issue.id, base64_image: img.toString('base64'), mime_type: 'image/png' });
    const att = up.structuredContent;
    assert.match(att.id, UUID);
    assert.equal(att.width, 7);
    assert.equal(att.height, 5);
    assert.equal(att.mime_type, 'image/png');
    assert.equal(att.file_size, img.length);

    const listed = (await call(client, 'list_all_image_attachments', { issue_id: issue.id })).structuredContent.images;
    assert.deepEqual(listed.map((i) => i.id), [att.id]);

    const got = await call(client, 'get_image_attachment_data', { attachment_id: att.id });
    const block = got.content.find((c) => c.type === 'image');
    assert.ok(block, `no image content block: ${JSON.stringify(got.content).slice(0, 300)}`);
    assert.equal(block.mimeType, 'image/png');
    const bytes = Buffer.from(block.data, 'base64');
    assert.deepEqual(pngSize(bytes), { width: 7, height: 5 });
    assert.ok(bytes.equals(img), 'image bytes differ from the upload (not downscaled: it is tiny)');
    assert.equal(got.structuredContent.downscaled, false);

    // A larger screenshot, asked for at most 64 pixels on its longest edge.
    const big = png(256, 128);
    const up2 = await call(client, 'upload_paste_image', { issue_id: issue.id, base64_image: `data:image/png;base64,${big.toString('base64')}`, mime_type: 'image/png' });
    const small = await call(client, 'get_image_attachment_data', { attachment_id: up2.structuredContent.id, max_edge: 64 });
    const b2 = small.content.find((c) => c.type === 'image');
    assert.ok(b2, 'no image content block for the downscaled image');
    assert.equal(small.structuredContent.downscaled, true);
    assert.deepEqual([small.structuredContent.width, small.structuredContent.height], [64, 32]);
    if (b2.mimeType === 'image/png') assert.deepEqual(pngSize(Buffer.from(b2.data, 'base64')), { width: 64, height: 32 });
    assert.match(b2.mimeType, /^image\/(png|jpeg|webp)$/);
  });

  it('resources: templates, list, read', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate).sort(),
      ['tftsr://images/{id}', 'tftsr://issues/{id}', 'tftsr://logs/{id}']);

    // resources/list: logs first, then images, over as many pages as it takes.
    const uris = [];
    let cursor;
    for (let page = 0; page < 10; page++) {
      const res = await client.listResources(cursor ? { cursor } : {});
      uris.push(...res.resources.map((r) => r.uri));
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    assert.equal(uris[0], `tftsr://logs/${logId}`);
    assert.equal(uris.length, 3);
    for (const u of uris.slice(1)) assert.match(u, /^tftsr:\/\/images\/[0-9a-f-]{36}$/);

    const read = await client.readResource({ uri: `tftsr://logs/${logId}` });
    assert.equal(read.contents.length, 1);
    assert.equal(read.contents[0].uri, `tftsr://logs/${logId}`);
    assert.equal(read.contents[0].mimeType, 'text/plain');
    assert.equal(read.contents[0].text, LOG);

    const iss = await client.readResource({ uri: `tftsr://issues/${issue.id}` });
    assert.equal(JSON.parse(iss.contents[0].text).issue?.id ?? JSON.parse(iss.contents[0].text).id, issue.id);

    await assert.rejects(client.readResource({ uri: `tftsr://logs/${MISSING}` }), /not found|no log/i);
  });

  it('prompts: list and get triage_incident', async () => {
    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name).sort(), ['five_whys', 'triage_incident', 'write_postmortem', 'write_rca']);
    for (const p of prompts) {
      assert.ok(p.description, `${p.name}: description`);
      assert.deepEqual(p.arguments.map((a) => [a.name, a.required]), [['issue_id', true]]);
    }
    const got = await client.getPrompt({ name: 'triage_incident', arguments: { issue_id: issue.id } });
    assert.ok(got.messages.length >= 1);
    const text = got.messages.map((m) => m.content.text ?? '').join('\n');
    assert.ok(text.includes(issue.title), 'prompt lacks the issue title');
    assert.ok(text.includes(logId), 'prompt lacks the log id');
    await assert.rejects(client.getPrompt({ name: 'triage_incident', arguments: { issue_id: MISSING } }));
  });

  it('errors are tool results with a message a model can act on', async () => {
    let msg = await callError(client, 'get_issue', { issue_id: MISSING });
    assert.match(msg, /no issue/i);
    assert.match(msg, /list_issues|search_issues/);

    msg = await callError(client, 'get_log_file_content', { log_file_id: MISSING });
    assert.match(msg, /no log file/i);
    assert.match(msg, /list_all_log_files/);

    msg = await callError(client, 'get_issue', { issue_id: 'INC-42' });
    assert.match(msg, /not an id/i);
    assert.ok(msg.includes('INC-42'), 'message does not quote the bad id');

    msg = await callError(client, 'get_image_attachment_data', { attachment_id: MISSING });
    assert.match(msg, /no (image|screenshot|attachment)/i);

    msg = await callError(client, 'search_logs', { pattern: '(unclosed', regex: true });
    assert.match(msg, /regular expression/i);
    assert.match(msg, /missing closing \)/);

    msg = await callError(client, 'get_log_file_content', { log_file_id: logId, raw: true });
    assert.match(msg, /--allow-raw/);
    assert.match(msg, /without raw/);
  });

  it('error messages say each thing once', async () => {
    // A hint repeated twice in one message is noise a model has to read.
    const msg = await callError(client, 'get_log_file_content', { log_file_id: MISSING });
    const parts = msg.split(';').map((s) => s.trim());
    assert.equal(new Set(parts).size, parts.length, `repeated clause in: ${msg}`);
    const hints = msg.match(/list_all_log_files lists/g) ?? [];
    assert.ok(hints.length <= 1, `the list_all_log_files hint appears ${hints.length} times: ${msg}`);
  });
});

describe('stdio --read-only', () => {
  it('lists the read tools only, all read-only', async () => {
    const dataDir = tempDir();
    const srv = await connectStdio({ dataDir, args: ['--read-only'] });
    try {
      const tools = await rawListTools(srv.client);
      assert.deepEqual(tools.map((t) => t.name).sort(), [...READ_TOOLS].sort());
      for (const t of tools) assert.equal(t.annotations?.readOnlyHint, true, t.name);
      const res = await srv.client.callTool({ name: 'create_issue', arguments: { title: 'x' } }).catch((err) => ({ thrown: err }));
      assert.ok(res.thrown || res.isError, `create_issue ran on a read-only server: ${JSON.stringify(res)}`);
    } finally {
      await srv.close();
      removeDir(dataDir);
    }
  });
});
