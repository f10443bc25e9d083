'use strict';
// TLS certificate files for the server (--tls-cert/--tls-key/--tls-client-ca) and the client
// driver (channel.tls). Each file is read and checked with Node's tls module before grpc-js sees
// it: grpc-js reports a bad PEM only as a failed bind or handshake later, far from its cause,
// and a peer must say which file is wrong before its ready line.

const fs = require('fs');
const tls = require('tls');

class TlsFileError extends Error {}

function read(path) {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw new TlsFileError(`cannot read "${path}": ${err.code === 'ENOENT' ? 'No such file or directory' : err.message}`);
  }
}

/** { cert, key } PEM Buffers of a certificate chain and its key; TlsFileError when either cannot
 * be read, is not PEM, or the key does not belong to the certificate. */
function pair(certPath, keyPath) {
  const cert = read(certPath);
  const key = read(keyPath);
  try {
    tls.createSecureContext({ cert, key });
  } catch (err) {
    throw new TlsFileError(`"${certPath}" and "${keyPath}": not a PEM certificate and its key (${err.message})`);
  }
  return { cert, key };
}

/** The PEM Buffer of a CA bundle; TlsFileError when it holds no certificate. */
function ca(path) {
  const data = read(path);
  let ok = false;
  try {
    ok = /-----BEGIN CERTIFICATE-----/.test(data.toString('latin1'));
    if (ok) tls.createSecureContext({ ca: data });
  } catch (err) {
    throw new TlsFileError(`"${path}": no PEM certificate (${err.message})`);
  }
  if (!ok) throw new TlsFileError(`"${path}": no PEM certificate`);
  return data;
}

module.exports = { TlsFileError, read, pair, ca };
