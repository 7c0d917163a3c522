// Side-by-side benchmark of tftsr-mcp and the reference filesystem server
// (@modelcontextprotocol/server-filesystem), both over stdio, both driven
// by the official TypeScript SDK client (issue 4's numbers). Run it with
//
//	make build && cd e2e && npm run bench
//
// or `node bench/compare.mjs` (node 22: node_modules/.bin/node). Settings,
// from the environment:
//
//	TFTSR_BIN          the binary (default ../bin/tftsr-mcp)
//	BENCH_ITERATIONS   calls per measured operation (default 50)
//	BENCH_SPAWNS       cold starts per server (default 20)
//	BENCH_FS_MID_ITERATIONS  calls of the filesystem server's middle read
//	                   (default 5: each takes seconds)
//	BENCH_BIG_MB       size of the big log (default 50)
//	BENCH_LOGHUB_DIR   the loghub corpus (default ../../shared/corpus/loghub)
//
// It makes a temp folder of 60 logs: one generated big log (OpenSSH lines
// of the loghub corpus with increasing timestamps and other numbers
// changed) and 59 small ones (windows of 100-1000 lines of the eight
// loghub families, numbers changed). `tftsr-mcp ingest --issue bench` stores
// them in a fresh data dir (key file generated, TFTSR_DB_KEY unset); the
// filesystem server is given the folder itself. Each operation is called
// 3 times unmeasured, then BENCH_ITERATIONS times; the table gives p50 and
// p99 of the client-side round trip.
//
// tools/list goes through listTools(), so the client checks every
// structured result against the tool's output schema, for both servers, as
// an SDK client in the field does.
//
// The filesystem server reads text only by head or tail, so "200 lines
// from the middle" is, for it, read_text_file head=middle+199, the
// cheapest call that reaches those lines; the client keeps the last 200.
// Its answer (about half the log, twice: text and structuredContent) is
// over the SDK client's 10 MiB stdio message limit, so with the client's
// defaults the call fails and the client kills the server; the script
// shows that once, then measures with maxBufferSize raised to 256 MiB
// (both servers), on BENCH_FS_MID_ITERATIONS calls after one unmeasured.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const E2E = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const BIN = path.resolve(process.env.TFTSR_BIN || path.join(E2E, '..', 'bin', 'tftsr-mcp'));
const FS_SERVER = path.join(E2E, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
const LOGHUB = path.resolve(process.env.BENCH_LOGHUB_DIR || path.join(E2E, '..', '..', 'shared', 'corpus', 'loghub'));
const ITER = positive('BENCH_ITERATIONS', 50);
const SPAWNS = positive('BENCH_SPAWNS', 20);
const BIG_MB = positive('BENCH_BIG_MB', 50);
const FS_MID_ITER = positive('BENCH_FS_MID_ITERATIONS', 5);
const MAX_BUFFER = 256 << 20;
const SMALL_LOGS = 59;
const WARMUP = 3;
const CLIENT_INFO = { name: 'tftsr-bench', version: '1.0.0' };

function positive(name, def) {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${v}: want a positive integer`);
  return n;
}

// A small deterministic PRNG (mulberry32), so that runs make the same logs.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAMILIES = ['Android', 'Apache', 'HDFS', 'Hadoop', 'Linux', 'OpenSSH', 'Spark', 'Zookeeper'];

function corpus() {
  const out = {};
  for (const fam of FAMILIES) {
    const p = path.join(LOGHUB, `${fam}_2k.log`);
    if (!fs.existsSync(p)) throw new Error(`${p} not found (set BENCH_LOGHUB_DIR)`);
    out[fam] = fs.readFileSync(p, 'utf8').replace(/\n+$/, '').split('\n');
  }
  return out;
}

// vary changes about half of the numbers in a line, keeping their width.
function vary(line, rand) {
  return line.replace(/\d+/g, (m) => {
    if (rand() < 0.5) return m;
    let s = '';
    for (let i = 0; i < m.length; i++) s += Math.floor(rand() * 10);
    return s;
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// writeBigLog writes about mb MB of OpenSSH lines with increasing syslog
// timestamps and returns its line count.
function writeBigLog(file, lines, mb) {
  const rand = rng(50);
  const fd = fs.openSync(file, 'w');
  let t = Date.UTC(2026, 10, 1, 0, 0, 0);
  let size = 0;
  let n = 0;
  let chunk = [];
  const pad = (x) => String(x).padStart(2, '0');
  while (size < mb * 1e6) {
    const src = lines[Math.floor(rand() * lines.length)];
    t += Math.floor(rand() * 400);
    const d = new Date(t);
    const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const line = stamp + vary(src.slice(15), rand) + '\n'; // loghub OpenSSH lines start with a 15-byte stamp
    chunk.push(line);
    size += Buffer.byteLength(line);
    n++;
    if (chunk.length === 10000) {
      fs.writeSync(fd, chunk.join(''));
      chunk = [];
    }
  }
  fs.writeSync(fd, chunk.join(''));
  fs.closeSync(fd);
  return n;
}

function makeLogs(dir) {
  const c = corpus();
  const rand = rng(60);
  const big = path.join(dir, 'sshd-big.log');
  const bigLines = writeBigLog(big, c.OpenSSH, BIG_MB);
  const files = [big];
  for (let i = 0; i < SMALL_LOGS; i++) {
    const fam = FAMILIES[i % FAMILIES.length];
    const lines = c[fam];
    const n = 100 + Math.floor(rand() * 901);
    const first = Math.floor(rand() * (lines.length - n));
    const text = lines.slice(first, first + n).map((l) => vary(l, rand)).join('\n') + '\n';
    const f = path.join(dir, `${fam.toLowerCase()}-${String(i).padStart(2, '0')}.log`);
    fs.writeFileSync(f, text);
    files.push(f);
  }
  return { files, big, bigLines };
}

// connect spawns a server over stdio and returns the client once
// tools/list has answered, with the time that took.
async function connect(server) {
  const t0 = performance.now();
  const client = new Client(CLIENT_INFO);
  const transport = new StdioClientTransport({ ...server, stderr: 'pipe' });
  let stderr = '';
  const connected = client.connect(transport);
  transport.stderr?.on('data', (d) => { stderr += d; });
  try {
    await connected;
    const { tools } = await client.listTools();
    const ms = performance.now() - t0;
    return { client, tools, ms, stderr: () => stderr };
  } catch (err) {
    await client.close().catch(() => {});
    throw new Error(`${server.command} ${server.args.join(' ')}: ${err.message}\nstderr: ${stderr}`);
  }
}

// withServer runs fn with a connected server and closes it; an error
// carries the end of the server's stderr.
async function withServer(server, fn) {
  const c = await connect(server);
  try {
    await fn(c);
  } catch (err) {
    err.message += `\n${server.command} ${server.args.join(' ')}: stderr: ${c.stderr().slice(-3000)}`;
    throw err;
  } finally {
    await c.client.close();
  }
}

async function call(client, name, args) {
  const res = await client.callTool({ name, arguments: args }, undefined, { timeout: 300_000 });
  if (res.isError) throw new Error(`${name} ${JSON.stringify(args)}: ${res.content?.map((c) => c.text).join('')}`);
  return res;
}

function textOf(res) {
  return res.content.filter((c) => c.type === 'text').map((c) => c.text).join('');
}

// measure runs op WARMUP times, then ITER times, and returns the times (ms).
async function measure(op, iterations = ITER, warmup = WARMUP) {
  for (let i = 0; i < warmup; i++) await op();
  const ms = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await op();
    ms.push(performance.now() - t0);
  }
  return ms;
}

function pct(ms, p) {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
}

function cell(ms) {
  const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return `${f(pct(ms, 50))} / ${f(pct(ms, 99))}`;
}

function lineCount(text) {
  return text.replace(/\n$/, '').split('\n').length;
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} not found: run \`make build\` or set TFTSR_BIN`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tftsr-bench-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  const logDir = path.join(tmp, 'logs');
  const dataDir = path.join(tmp, 'data');
  fs.mkdirSync(logDir);
  fs.mkdirSync(dataDir);

  let t0 = performance.now();
  const { files, big, bigLines } = makeLogs(logDir);
  const bigSize = fs.statSync(big).size;
  console.error(`generated ${files.length} logs in ${((performance.now() - t0) / 1000).toFixed(1)}s; big log ${(bigSize / 1e6).toFixed(1)} MB, ${bigLines} lines`);

  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TFTSR_DATA_DIR: dataDir, XDG_CONFIG_HOME: path.join(dataDir, 'no-config') };
  t0 = performance.now();
  execFileSync(BIN, ['ingest', '--issue', 'bench', ...files], { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const ingestS = (performance.now() - t0) / 1000;
  console.error(`ingested in ${ingestS.toFixed(1)}s`);

  const servers = {
    tftsr: { command: BIN, args: ['serve'], env, maxBufferSize: MAX_BUFFER },
    fs: { command: process.execPath, args: [FS_SERVER, logDir], env: { PATH: process.env.PATH, HOME: process.env.HOME }, maxBufferSize: MAX_BUFFER },
  };
  const rows = [];
  const results = { tftsr: {}, fs: {} };

  // tftsr-mcp.
  await withServer(servers.tftsr, async ({ client, tools }) => {
    const names = tools.map((t) => t.name);
    for (const n of ['list_all_log_files', 'get_log_file_content']) assert.ok(names.includes(n), `tftsr-mcp has no ${n}: ${names}`);
    const page = (await call(client, 'list_all_log_files', { limit: 50 })).structuredContent;
    assert.equal(page.log_files.length, 50, 'tftsr list: 50 logs');
    const bigLog = (await call(client, 'list_all_log_files', { search: 'sshd-big' })).structuredContent.log_files[0];
    assert.ok(bigLog, 'tftsr: big log not found');
    const total = bigLog.line_count;
    assert.equal(total, bigLines, 'tftsr: line count of the big log');
    const mid = Math.floor(total / 2);
    const r = results.tftsr;
    r.list = await measure(() => call(client, 'list_all_log_files', { limit: 50 }));
    r.head = await measure(async () => {
      const w = (await call(client, 'get_log_file_content', { log_file_id: bigLog.id, max_lines: 200 })).structuredContent;
      assert.equal(w.end_line - w.start_line + 1, 200);
    });
    r.mid = await measure(async () => {
      const w = (await call(client, 'get_log_file_content', { log_file_id: bigLog.id, start_line: mid, max_lines: 200 })).structuredContent;
      assert.equal(w.start_line, mid);
      assert.equal(w.end_line, mid + 199);
    });
    r.tail = await measure(async () => {
      const w = (await call(client, 'get_log_file_content', { log_file_id: bigLog.id, tail: true, max_lines: 200 })).structuredContent;
      assert.equal(w.end_line, total);
    });
  });

  // The filesystem server.
  await withServer(servers.fs, async ({ client, tools }) => {
    const names = tools.map((t) => t.name);
    for (const n of ['list_directory_with_sizes', 'read_text_file']) assert.ok(names.includes(n), `filesystem server has no ${n}: ${names}`);
    const schema = tools.find((t) => t.name === 'read_text_file').inputSchema.properties;
    assert.deepEqual(Object.keys(schema).sort(), ['head', 'path', 'tail'], 'read_text_file arguments changed');
    const listed = textOf(await call(client, 'list_directory_with_sizes', { path: logDir })).split('\n').filter((l) => l.startsWith('[FILE]'));
    assert.equal(listed.length, files.length, 'fs list: every log');
    const mid = Math.floor(bigLines / 2);
    const r = results.fs;
    const f = r;
    r.list = await measure(() => call(client, 'list_directory_with_sizes', { path: logDir }));
    r.head = await measure(async () => {
      const t = textOf(await call(client, 'read_text_file', { path: big, head: 200 }));
      assert.equal(lineCount(t), 200);
    });
    let midBytes = 0;
    r.mid = await measure(async () => {
      const t = textOf(await call(client, 'read_text_file', { path: big, head: mid + 199 }));
      midBytes = t.length;
      const lines = t.replace(/\n$/, '').split('\n');
      assert.equal(lines.length, mid + 199);
      assert.equal(lines.slice(-200).length, 200);
    }, FS_MID_ITER, 1);
    results.fs.midMB = midBytes / 1e6;
    // tail=N gives N-1 lines of a file ending in a newline (it counts the
    // empty string after the last one); the table says so.
    r.tail = await measure(async () => {
      const t = textOf(await call(client, 'read_text_file', { path: big, tail: 200 }));
      f.tailLines = lineCount(t);
      assert.ok(f.tailLines >= 199, `fs tail: ${f.tailLines} lines`);
    });
  });

  // The middle read with the SDK client's default stdio limit.
  {
    const { maxBufferSize, ...dflt } = servers.fs;
    const c = await connect(dflt);
    let clientErr = '';
    c.client.onerror = (err) => { clientErr ||= err.message; };
    try {
      await call(c.client, 'read_text_file', { path: big, head: Math.floor(bigLines / 2) + 199 });
      results.fs.midDefault = 'succeeds';
    } catch (err) {
      results.fs.midDefault = `fails: ${err.message}${clientErr ? ` (client: ${clientErr})` : ''}`;
    } finally {
      await c.client.close().catch(() => {});
    }
  }

  // Cold starts: spawn, initialize, first tools/list answer.
  for (const [name, server] of Object.entries(servers)) {
    const ms = [];
    for (let i = 0; i < SPAWNS; i++) {
      const c = await connect(server);
      ms.push(c.ms);
      await c.client.close();
    }
    results[name].cold = ms;
  }

  const t = results.tftsr;
  const f = results.fs;
  rows.push(['list 50 logs', 'list_all_log_files limit=50', 'list_directory_with_sizes (all 60)', t.list, f.list]);
  rows.push(['first 200 lines of the big log', 'get_log_file_content max_lines=200', 'read_text_file head=200', t.head, f.head]);
  rows.push(['200 lines from the middle', `get_log_file_content start_line=${Math.floor(bigLines / 2)} max_lines=200`,
    `read_text_file head=${Math.floor(bigLines / 2) + 199}, last 200 kept (${f.midMB.toFixed(1)} MB of text; it has no offset argument)`, t.mid, f.mid]);
  rows.push(['last 200 lines', 'get_log_file_content tail=true max_lines=200', `read_text_file tail=200 (returns ${f.tailLines} lines)`, t.tail, f.tail]);
  rows.push([`cold start (${SPAWNS} spawns)`, 'spawn to first tools/list answer', 'spawn to first tools/list answer', t.cold, f.cold]);

  console.log(`\nBig log: ${(bigSize / 1e6).toFixed(1)} MB, ${bigLines} lines; ${files.length} logs; ingest into tftsr-mcp took ${ingestS.toFixed(1)}s.`);
  console.log(`${ITER} calls per operation after ${WARMUP} unmeasured (filesystem middle read: ${FS_MID_ITER} after 1); stdio; official TypeScript SDK client, maxBufferSize ${MAX_BUFFER >> 20} MiB; node ${process.version}.`);
  console.log(`Filesystem middle read with the SDK's default 10 MiB stdio limit: ${f.midDefault}.\n`);
  console.log('| operation | tftsr-mcp p50 / p99 ms | filesystem p50 / p99 ms | tftsr-mcp call | filesystem call |');
  console.log('|---|---:|---:|---|---|');
  for (const [op, tc, fc, tms, fms] of rows) console.log(`| ${op} | ${cell(tms)} | ${cell(fms)} | ${tc} | ${fc} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
