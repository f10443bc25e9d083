#!/usr/bin/env node
'use strict';
// streamconform Node.js peer (docs/peer-protocol.md), on @grpc/grpc-js.
//
//   peer-node server [--listen HOST:PORT | --port N] [--events FILE|-] [--tick-ms N]
//                    [--max-receive-bytes N] [--max-upload-bytes N] [--seed N] [--quiet|--verbose]
//                    [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
//                    [--max-connection-age-ms N] [--max-connection-age-grace-ms N] [--keepalive-min-time-ms N]
//                    [--permit-keepalive-without-calls] [--max-concurrent-streams N] [--shutdown-grace-ms N]
//   peer-node client [--verbose]

const EXIT_USAGE = 2;

const USAGE = `usage: peer-node server [--listen HOST:PORT | --port N] [--events FILE|-] [--tick-ms N]
                        [--max-receive-bytes N] [--max-upload-bytes N] [--seed N] [--quiet|--verbose]
                        [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
       peer-node client [--verbose]
`;

class UsageError extends Error {}

function intOption(name, text, low, high) {
  if (text === undefined) throw new UsageError(`${name}: expected a value`);
  if (!/^[0-9]+$/.test(text) || BigInt(text) < BigInt(low) || BigInt(text) > BigInt(high)) {
    throw new UsageError(`${name}: expected a whole number from ${low} to ${high}, got "${text}"`);
  }
  return Number(text);
}

function fileOption(name, text) {
  if (text === undefined || text === '') throw new UsageError(`${name}: expected a file name`);
  return text;
}

/** Server feature "lifecycle" (docs/peer-protocol.md, "Connection lifecycle"): option -> field. */
const LIFECYCLE_INT_OPTIONS = {
  '--max-connection-age-ms': 'maxConnectionAgeMs',
  '--max-connection-age-grace-ms': 'maxConnectionAgeGraceMs',
  '--keepalive-min-time-ms': 'keepaliveMinTimeMs',
  '--max-concurrent-streams': 'maxConcurrentStreams',
  '--shutdown-grace-ms': 'shutdownGraceMs',
};

/** The server options of argv (after "server"); throws UsageError. */
function parseServerArgs(argv) {
  const cfg = {
    listen: null, port: null, events: null, tickMs: 1000, maxReceiveBytes: 4 * 1024 * 1024,
    maxUploadBytes: 2 ** 30, seed: null, verbosity: 1, tlsCert: null, tlsKey: null, tlsClientCa: null,
    lifecycle: { permitKeepaliveWithoutCalls: false }, // server feature "lifecycle"; absent: the default
  };
  let quiet = false;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => (value !== undefined ? value : argv[++i]);
    switch (arg) {
      case '--listen': cfg.listen = next(); if (cfg.listen === undefined) throw new UsageError('--listen: expected HOST:PORT'); break;
      case '--port': cfg.port = intOption('--port', next(), 0, 65535); break;
      case '--events': cfg.events = next(); if (cfg.events === undefined) throw new UsageError('--events: expected FILE or -'); break;
      case '--tick-ms': cfg.tickMs = intOption('--tick-ms', next(), 1, 3600000); break;
      case '--max-receive-bytes': cfg.maxReceiveBytes = intOption('--max-receive-bytes', next(), 1, 2047 * 2 ** 20); break;
      case '--max-upload-bytes': cfg.maxUploadBytes = intOption('--max-upload-bytes', next(), 0, 2 ** 40); break;
      case '--seed': { const t = next(); intOption('--seed', t, 1, (1n << 63n) - 1n); cfg.seed = BigInt(t); break; }
      case '--tls-cert': cfg.tlsCert = fileOption('--tls-cert', next()); break;
      case '--tls-key': cfg.tlsKey = fileOption('--tls-key', next()); break;
      case '--tls-client-ca': cfg.tlsClientCa = fileOption('--tls-client-ca', next()); break;
      case '--max-connection-age-ms': case '--max-connection-age-grace-ms': case '--keepalive-min-time-ms':
      case '--max-concurrent-streams': case '--shutdown-grace-ms':
        cfg.lifecycle[LIFECYCLE_INT_OPTIONS[arg]] = intOption(arg, next(), 1, 2 ** 31 - 1); break;
      case '--permit-keepalive-without-calls': cfg.lifecycle.permitKeepaliveWithoutCalls = true; break;
      case '--quiet': quiet = true; break;
      case '--verbose': case '-v': verbose = true; break;
      default: throw new UsageError(`unknown option "${argv[i]}"`);
    }
  }
  if (cfg.listen !== null && cfg.port !== null) throw new UsageError('--listen and --port exclude each other');
  if (quiet && verbose) throw new UsageError('--quiet and --verbose exclude each other');
  if ((cfg.tlsCert === null) !== (cfg.tlsKey === null)) throw new UsageError('--tls-cert and --tls-key go together');
  if (cfg.tlsClientCa !== null && cfg.tlsCert === null) throw new UsageError('--tls-client-ca needs --tls-cert and --tls-key');
  cfg.verbosity = quiet ? 0 : verbose ? 2 : 1;
  if (cfg.listen === null) cfg.listen = `127.0.0.1:${cfg.port !== null ? cfg.port : 50051}`;
  if (!cfg.listen.includes(':')) throw new UsageError(`--listen: expected HOST:PORT, got "${cfg.listen}"`);
  return cfg;
}

function parseClientArgs(argv) {
  let verbose = false;
  for (const arg of argv) {
    if (arg === '--verbose' || arg === '-v') verbose = true;
    else throw new UsageError(`unknown option "${arg}"`);
  }
  return { verbose };
}

async function main(argv) {
  const [command, ...rest] = argv;
  try {
    if (command === 'server') {
      const cfg = parseServerArgs(rest);
      return await require('./lib/server').run(cfg);
    }
    if (command === 'client') {
      const { verbose } = parseClientArgs(rest);
      return await require('./lib/driver').main(verbose);
    }
    if (command === '--help' || command === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    throw new UsageError(command === undefined ? 'expected a command: server or client' : `unknown command "${command}"`);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`peer-node: ${err.message}\n${USAGE}`);
    return EXIT_USAGE;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((rc) => {
    process.exitCode = rc;
    // Leave even when grpc-js still holds handles (timers, closed channels).
    process.stdout.write('', () => process.exit(rc));
  }, (err) => {
    process.stderr.write(`peer-node: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exit(70);
  });
}

module.exports = { parseServerArgs, parseClientArgs, UsageError };
