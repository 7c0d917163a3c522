// Helpers shared by the end-to-end tests: the binary under test, temporary
// data dirs, child processes that are always killed, MCP clients from the
// official SDK, and a tiny PNG encoder.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResultSchema } from '@modelcontextprotocol/sdk/types.js';

// BIN is the tftsr-mcp binary; e2e_test.go builds it and sets TFTSR_BIN.
export const BIN = process.env.TFTSR_BIN;
if (!BIN) {
  throw new Error('TFTSR_BIN is not set: run the suite through `go test` in e2e/ (see e2e_test.go)');
}

export const CLIENT_INFO = { name: 'tftsr-e2e', version: '0.9.1' };

// Every child process and temp dir made here is undone when the test
// process ends, whatever happened; tests also clean up in after() hooks.
const children = new Set();
const tempDirs = new Set();
process.on('exit', () => {
  for (const p of children) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
  for (const d of tempDirs) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
});

export function tempDir(prefix = 'tftsr-e2e-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

export function removeDir(d) {
  fs.rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

// binEnv is the environment of the binary: a data dir of its own, the key
// generated into it (TFTSR_DB_KEY empty), and no user config file.
export function binEnv(dataDir, extra = {}) {
  const env = { ...process.env, TFTSR_DATA_DIR: dataDir, TFTSR_DB_KEY: '', XDG_CONFIG_HOME: path.join(dataDir, 'no-config') };
  for (const k of Object.keys(env)) {
    if (k.startsWith('TFTSR_') && !['TFTSR_DATA_DIR', 'TFTSR_DB_KEY', 'TFTSR_BIN'].includes(k)) delete env[k];
  }
  return { ...env, ...extra };
}

// run runs the binary to completion and returns its exit code and output.
export function run(args, { env, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${path.basename(BIN)} ${args.join(' ')}: no exit after ${timeoutMs}ms\nstderr: ${stderr}`));
    }, timeoutMs);
    p.on('error', (err) => { clearTimeout(timer); children.delete(p); reject(err); });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(p);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// startHTTP starts `serve --http ADDR` and resolves once the server has
// logged its URL (`msg="serving MCP over HTTP" url=...`).
export function startHTTP({ dataDir, addr = '127.0.0.1:0', args = [], env = {}, timeoutMs = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['serve', '--http', addr, ...args], { env: binEnv(dataDir, env), stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(p);
    let stderr = '';
    let done = false;
    const server = {
      proc: p,
      url: undefined,
      stderr: () => stderr,
      async close() {
        if (p.exitCode !== null || p.signalCode !== null) { children.delete(p); return; }
        const exited = new Promise((r) => p.once('close', r));
        p.kill('SIGTERM');
        const t = setTimeout(() => p.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
        children.delete(p);
      },
    };
    const fail = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      p.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`serve --http ${addr}: no URL logged within ${timeoutMs}ms\nstderr: ${stderr}`)), timeoutMs);
    p.stderr.on('data', (d) => {
      stderr += d;
      const m = /msg="serving MCP over HTTP".*?\burl=(\S+)/.exec(stderr);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        server.url = m[1].replace(/^"|"$/g, '');
        resolve(server);
      }
    });
    p.on('error', fail);
    p.on('close', (code, signal) => {
      children.delete(p);
      fail(new Error(`serve --http ${addr} exited (code ${code}, signal ${signal}) before serving\nstderr: ${stderr}`));
    });
  });
}

// httpToken is the bearer token the server created in its data dir.
export function httpToken(dataDir) {
  return fs.readFileSync(path.join(dataDir, '.httptoken'), 'utf8').trim();
}

// connectStdio launches `serve` (stdio) through the SDK's own transport.
export async function connectStdio({ dataDir, args = [], env = {}, clientInfo = CLIENT_INFO } = {}) {
  const transport = new StdioClientTransport({ command: BIN, args: ['serve', ...args], env: binEnv(dataDir, env), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d) => { stderr += d; });
  const client = new Client(clientInfo);
  try {
    await client.connect(transport);
  } catch (err) {
    await transport.close().catch(() => {});
    throw new Error(`serve (stdio) ${args.join(' ')}: ${err.message}\nstderr: ${stderr}`, { cause: err });
  }
  const pid = transport.pid;
  const handle = { kill: (sig) => { try { process.kill(pid, sig); } catch { /* gone */ } } };
  if (pid) children.add(handle);
  return {
    client,
    transport,
    stderr: () => stderr,
    async close() {
      await client.close(); // closes stdin; the SDK escalates to SIGTERM/SIGKILL
      children.delete(handle);
    },
  };
}

// connectHTTP connects an SDK client over streamable HTTP.
export async function connectHTTP(url, { headers = {}, clientInfo = CLIENT_INFO } = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client(clientInfo);
  await client.connect(transport);
  return { client, transport, close: async () => { try { await transport.terminateSession(); } catch { /* ok */ } await client.close(); } };
}

// rawListTools is tools/list as the server sent it (ResultSchema accepts
// any result), so that a test can see what the server sent when the SDK's
// strict ListToolsResultSchema refuses it.
export async function rawListTools(client) {
  const res = await client.request({ method: 'tools/list', params: {} }, ResultSchema);
  assert.ok(Array.isArray(res.tools), `tools/list: no tools array: ${JSON.stringify(res).slice(0, 300)}`);
  return res.tools;
}

// enableOutputValidation makes the client check every structuredContent
// against the tool's outputSchema, as listTools() would. It uses listTools()
// when the SDK accepts the listing; when it does not (a server bug, asserted
// by the tools/list test), it compiles the schemas as sent, so that the
// other tests still validate structured output.
export async function enableOutputValidation(client) {
  try {
    await client.listTools();
    return null;
  } catch (err) {
    client.cacheToolMetadata(await rawListTools(client));
    return err;
  }
}

// call calls a tool and asserts it succeeded.
export async function call(client, name, args = {}) {
  const res = await client.callTool({ name, arguments: args });
  assert.ok(!res.isError, `${name}(${JSON.stringify(args).slice(0, 300)}) failed: ${textOf(res)}`);
  return res;
}

// callError calls a tool and asserts it failed as a tool result (isError),
// not as a protocol error, and returns the message text.
export async function callError(client, name, args = {}) {
  const res = await client.callTool({ name, arguments: args });
  assert.equal(res.isError, true, `${name}(${JSON.stringify(args)}) should fail, got: ${JSON.stringify(res).slice(0, 500)}`);
  const text = textOf(res);
  assert.ok(text.length > 0, `${name}: error result without a message`);
  return text;
}

export function textOf(res) {
  return (res.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('');
}

// contentDigest is what the audit log records for a result: SHA-256 over
// each content block's text (text blocks), base64 data (image blocks) or
// URI then name (resource links), concatenated in order.
export function contentDigest(res) {
  const h = crypto.createHash('sha256');
  let bytes = 0;
  for (const c of res.content ?? []) {
    let b = '';
    if (c.type === 'text') b = c.text;
    else if (c.type === 'image') b = c.data;
    else if (c.type === 'resource_link') b = c.uri + c.name;
    bytes += Buffer.byteLength(b);
    h.update(b);
  }
  return { bytes, sha256: h.digest('hex') };
}

// png encodes a width x height RGB image (8-bit, no interlace) whose pixels
// come from pixel(x, y) => [r, g, b].
export function png(width, height, pixel = (x, y) => [(x * 40) & 255, (y * 60) & 255, 128]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// pngSize reads the width and height from a PNG's IHDR.
export function pngSize(buf) {
  assert.equal(buf.subarray(1, 4).toString('latin1'), 'PNG', 'not a PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}
