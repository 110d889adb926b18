// A demo node for the browser tests: `sitewarden init --demo` in a fresh temp dir, the console on a
// port the kernel picks (127.0.0.1), started and stopped by PID. The server and its data never outlive
// the test run, also when it is interrupted (Ctrl-C, ctest's timeout). Shared by console.spec.mjs and
// workflow.spec.mjs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SERVER_START_MS = 20_000;  // bounded wait for the "sitewarden console: URL" line
const SERVER_STOP_MS = 5_000;    // SIGTERM grace before SIGKILL

const nodes = new Set();
process.on('exit', () => {
  for (const n of nodes) n.killNow();
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[signal]));
}

function run(bin, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { out += c; });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')}: ${code}\n${out}`))));
  });
}

// Returns { baseUrl, dataDir, log(), stop() }. stop() sends SIGTERM, kills after SERVER_STOP_MS (and
// then throws: a server that ignores SIGTERM is a bug), and removes the data.
export async function startDemoNode(bin, prefix) {
  if (!bin || !existsSync(bin)) throw new Error(`SITEWARDEN_BIN must name the sitewarden binary (got ${bin})`);
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  let server;
  let log = '';
  const node = {
    dataDir,
    log: () => log,
    killNow() {
      if (server && server.exitCode === null && server.signalCode === null) {
        try { process.kill(server.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
    async stop() {
      nodes.delete(node);
      try {
        if (!server || server.exitCode !== null || server.signalCode !== null) return;
        const exited = new Promise((r) => server.once('exit', r));
        process.kill(server.pid, 'SIGTERM');
        const gone = await Promise.race([exited.then(() => true),
          new Promise((r) => setTimeout(() => r(false), SERVER_STOP_MS))]);
        if (!gone) {
          process.kill(server.pid, 'SIGKILL');
          await exited;
          throw new Error(`server ${server.pid} ignored SIGTERM for ${SERVER_STOP_MS} ms; killed`);
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  nodes.add(node);
  await run(bin, ['init', '--data-dir', dataDir, '--demo']);
  const toml = path.join(dataDir, 'sitewarden.toml');
  const config = readFileSync(toml, 'utf8');
  // [console] port 0: the kernel picks a free port; the server prints it.
  const patched = config.replace(/(\[console\][^[]*?\nport = )\d+/, '$10');
  if (patched === config) throw new Error('the [console] port line was not found in sitewarden.toml');
  writeFileSync(toml, patched);
  node.baseUrl = await new Promise((resolve, reject) => {
    server = spawn(bin, ['serve', '--config', toml], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => reject(new Error(
      `no "sitewarden console:" line within ${SERVER_START_MS} ms; output:\n${log}`)), SERVER_START_MS);
    server.stdout.on('data', (chunk) => {
      log += chunk.toString();
      const m = /sitewarden console: (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.stderr.on('data', (chunk) => { log += chunk.toString(); });
    server.on('error', (e) => { clearTimeout(timer); reject(e); });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening; output:\n${log}`));
    });
  });
  return node;
}
