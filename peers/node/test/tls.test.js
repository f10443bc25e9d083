'use strict';
// TLS and mTLS end to end: throwaway certificates made with the openssl command line at test time
// (Node's crypto cannot sign certificates; no key is committed), the server with --tls-cert /
// --tls-key [--tls-client-ca], and the client driver with channel.tls against it: TLS, an
// authority override, mTLS, and the failures (wrong CA, wrong authority, no client certificate
// under mTLS: UNAVAILABLE), bad files (a clear error before the ready line, an instruction error),
// unknown fields. Every wait is bounded and every child is killed at the end.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PEER = path.resolve(__dirname, '..', 'peer.js');
const WAIT_MS = 20000; // bound on every wait below
const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
const children = new Set();
let dir = null;
const f = (name) => path.join(dir, name);

/** ca, other-ca (signed nothing here), server (localhost, sc.test.example, 127.0.0.1) and client,
 * the last two signed by ca; P-256 keys. */
function makeCerts() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-node-tls-'));
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore', timeout: WAIT_MS });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) openssl('req', '-x509', ...ec, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '1', '-subj', `/CN=sc-test-${ca}`);
  const ext = {
    server: 'subjectAltName=DNS:localhost,DNS:sc.test.example,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
    client: 'extendedKeyUsage=clientAuth\n',
  };
  for (const who of ['server', 'client']) {
    fs.writeFileSync(f(`${who}.ext`), ext[who]);
    openssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=sc-test-${who}`);
    openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '1', '-extfile', `${who}.ext`);
  }
}

function start(args) {
  const child = spawn(process.execPath, [PEER, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
  children.add(child);
  child.on('exit', () => children.delete(child));
  child.stderrText = '';
  child.stderr.on('data', (d) => { child.stderrText += d; });
  return child;
}

/** The child's exit code, or 'timeout' after WAIT_MS. */
function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode);
      return;
    }
    const timer = setTimeout(() => resolve('timeout'), WAIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** The first stdout line as JSON, or null when the child exited first. */
function firstLine(child) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('timed out waiting for the first line')), WAIT_MS);
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(buf.slice(0, nl)));
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

async function serve(mtls) {
  const args = ['server', '--port', '0', '--quiet', '--tls-cert', f('server.pem'), '--tls-key', f('server.key')];
  if (mtls) args.push('--tls-client-ca', f('ca.pem'));
  const server = start(args);
  const ready = await firstLine(server);
  assert.ok(ready && ready.ready, `the TLS server did not start: ${server.stderrText}`);
  return { server, port: ready.port };
}

/** Every instruction through one client driver; the results by case. */
async function drive(instructions) {
  const client = start(['client']);
  let out = '';
  client.stdout.on('data', (d) => { out += d; });
  client.stdin.end(instructions.map((i) => `${JSON.stringify(i)}\n`).join(''));
  assert.equal(await exited(client), 0);
  return Object.fromEntries(out.trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.case, r]));
}

const getData = (caseId, port, tls) => ({
  case: caseId, target: `127.0.0.1:${port}`, method: 'GetData', timeout_ms: 10000, requests: [{ topics: ['t'], batchSize: 2 }], channel: { tls },
});

function assertOk(r) {
  assert.equal(r.status.code, 'OK', JSON.stringify(r));
  assert.equal(r.responses.length, 1);
  assert.equal(r.responses[0].dataPoints.length, 2);
}

function assertUnavailable(r) {
  assert.equal(r.status.code, 'UNAVAILABLE', JSON.stringify(r));
  assert.notEqual(r.status.message, '');
  assert.deepEqual(r.responses, []);
}

test.before(() => { if (HAVE_OPENSSL) makeCerts(); });
test.after(() => {
  for (const child of children) child.kill('SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('TLS, authority override, wrong authority and wrong CA', { skip: !HAVE_OPENSSL && 'needs the openssl command line' }, async () => {
  const { server, port } = await serve(false);
  const ca = f('ca.pem');
  const got = await drive([
    getData('tls', port, { ca_file: ca }),
    getData('authority', port, { ca_file: ca, authority: 'sc.test.example' }),
    getData('wrong-authority', port, { ca_file: ca, authority: 'wrong.example' }),
    getData('wrong-ca', port, { ca_file: f('other-ca.pem') }),
    { case: 'plaintext', target: `127.0.0.1:${port}`, method: 'GetData', timeout_ms: 10000, requests: [{ topics: ['t'] }] },
  ]);
  assertOk(got.tls);
  assertOk(got.authority);
  assertUnavailable(got['wrong-authority']);
  assertUnavailable(got['wrong-ca']);
  assertUnavailable(got.plaintext);
  server.kill('SIGTERM');
  assert.equal(await exited(server), 0);
});

test('mTLS: a client certificate is required and verified', { skip: !HAVE_OPENSSL && 'needs the openssl command line' }, async () => {
  const { server, port } = await serve(true);
  const [ca, cert, key] = [f('ca.pem'), f('client.pem'), f('client.key')];
  const got = await drive([
    getData('mtls', port, { ca_file: ca, cert_file: cert, key_file: key }),
    getData('no-client-cert', port, { ca_file: ca }),
    getData('wrong-ca', port, { ca_file: f('other-ca.pem'), cert_file: cert, key_file: key }),
  ]);
  assertOk(got.mtls);
  assertUnavailable(got['no-client-cert']);
  assertUnavailable(got['wrong-ca']);
  server.kill('SIGTERM');
  assert.equal(await exited(server), 0);
});

test('server: bad TLS files end it before the ready line', { skip: !HAVE_OPENSSL && 'needs the openssl command line' }, async () => {
  const cases = [
    [['--tls-cert', f('server.pem'), '--tls-key', f('nope.key')], 1, 'cannot read'],
    [['--tls-cert', f('server.pem'), '--tls-key', f('client.key')], 1, 'not a PEM certificate and its key'],
    [['--tls-cert', f('server.pem'), '--tls-key', f('server.key'), '--tls-client-ca', f('server.key')], 1, '--tls-client-ca'],
    [['--tls-cert', f('server.pem')], 2, '--tls-cert and --tls-key go together'],
  ];
  for (const [args, rc, text] of cases) {
    const server = start(['server', '--port', '0', '--quiet', ...args]);
    assert.equal(await firstLine(server), null, args.join(' '));
    assert.equal(await exited(server), rc);
    assert.ok(server.stderrText.includes(text), server.stderrText);
  }
});

test('driver: channel.tls errors', { skip: !HAVE_OPENSSL && 'needs the openssl command line' }, async () => {
  const ca = f('ca.pem');
  const got = await drive([
    getData('unknown', 1, { ca_file: ca, sni: 'x' }),
    getData('no-ca', 1, { authority: 'x' }),
    getData('half-pair', 1, { ca_file: ca, cert_file: f('client.pem') }),
    getData('missing-file', 1, { ca_file: f('nope.pem') }),
    getData('not-pem', 1, { ca_file: f('ca.key') }),
    getData('mismatch', 1, { ca_file: ca, cert_file: f('client.pem'), key_file: f('server.key') }),
  ]);
  assert.equal(got.unknown.error, 'channel.tls.sni: unknown field');
  assert.equal(got['no-ca'].error, 'channel.tls.ca_file: missing');
  assert.equal(got['half-pair'].error, 'channel.tls.key_file: cert_file and key_file go together (the client certificate for mTLS)');
  assert.match(got['missing-file'].error, /^channel\.tls\.ca_file: cannot read/);
  assert.match(got['not-pem'].error, /^channel\.tls\.ca_file: /);
  assert.match(got.mismatch.error, /^channel\.tls\.cert_file: /);
});
