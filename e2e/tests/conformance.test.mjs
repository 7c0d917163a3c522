// The official MCP conformance suite (@modelcontextprotocol/conformance,
// server mode) against `serve --http 127.0.0.1:PORT --insecure-no-auth`:
// the runner sends no Authorization header. Only the scenarios that apply
// to any server are run; the others call fixtures of the reference test
// server (see ../CONFORMANCE.md). Expected failures: ../conformance-baseline.yml.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { binEnv, png, removeDir, run, startHTTP, tempDir } from './lib.mjs';

const E2E = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CLI = path.join(E2E, 'node_modules', '.bin', 'conformance');
const BASELINE = path.join(E2E, 'conformance-baseline.yml');

// Scenarios that apply to any server: each must pass.
const APPLY = [
  'server-initialize', 'ping', 'tools-list', 'resources-list', 'prompts-list', 'logging-set-level',
  'server-sse-multiple-streams', 'dns-rebinding-protection',
];
// Scenarios that call fixtures of the reference server (tools test_*,
// resources test://..., prompts test_*, completions of those prompts) or
// features this server does not declare (subscriptions): not run.
// CONFORMANCE.md says why.
const NOT_APPLY = [
  'completion-complete', 'tools-call-simple-text', 'tools-call-image', 'tools-call-audio',
  'tools-call-embedded-resource', 'tools-call-mixed-content', 'tools-call-with-logging', 'tools-call-error',
  'tools-call-with-progress', 'tools-call-sampling', 'tools-call-elicitation', 'json-schema-2020-12',
  'elicitation-sep1034-defaults', 'server-sse-polling', 'elicitation-sep1330-enums', 'resources-read-text',
  'resources-read-binary', 'resources-templates-read', 'resources-subscribe', 'resources-unsubscribe',
  'prompts-get-simple', 'prompts-get-with-args', 'prompts-get-embedded-resource', 'prompts-get-with-image',
];

function conformance(args, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const p = spawn(CLI, args, { cwd: E2E, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`conformance ${args.join(' ')}: timed out\n${out}`)); }, timeoutMs);
    p.on('error', (err) => { clearTimeout(t); reject(err); });
    p.on('close', (code) => { clearTimeout(t); resolve({ code, out: out.replace(/\x1b\[[0-9;]*m/g, '') }); });
  });
}

describe('conformance', () => {
  let dataDir;
  let outDir;
  let srv;

  before(async () => {
    dataDir = tempDir();
    outDir = tempDir('tftsr-e2e-conformance-');
    // Some evidence, so that resources/list and prompts have something to list.
    const log = path.join(outDir, 'app.log');
    const img = path.join(outDir, 'screen.png');
    fs.writeFileSync(log, '2026-11-30T10:00:00Z ERROR upstream timeout\n');
    fs.writeFileSync(img, png(8, 8));
    const ing = await run(['ingest', '--issue', 'Conformance', log, img], { env: binEnv(dataDir) });
    assert.equal(ing.code, 0, ing.stderr);
    srv =  await startHTTP({ dataDir, args: ['--insecure-no-auth'] });
  });
  after(async () => {
    await srv?.close();
    if (dataDir) removeDir(dataDir);
    if (outDir) removeDir(outDir);
  });

  it('every server scenario of this conformance version is classified', async () => {
    const { code, out } = await conformance(['list', '--server']);
    assert.equal(code, 0, out);
    const listed = [...out.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
    assert.ok(listed.length > 0, `no scenarios in:\n${out}`);
    const known = new Set([...APPLY, ...NOT_APPLY]);
    assert.deepEqual(listed.filter((s) => !known.has(s)), [], 'new scenarios: decide whether they apply (here and in CONFORMANCE.md)');
    assert.deepEqual(APPLY.filter((s) => !listed.includes(s)), [], 'scenarios run here that the suite no longer has');
  });

  for (const scenario of APPLY) {
    it(scenario, async () => {
      const { code, out } = await conformance([
        'server', '--url', srv.url, '--scenario', scenario, '--expected-failures', BASELINE, '-o', outDir,
      ]);
      assert.equal(code, 0, `conformance scenario ${scenario} failed:\n${out}`);
      assert.match(out, /Baseline check passed/);
    });
  }
});
