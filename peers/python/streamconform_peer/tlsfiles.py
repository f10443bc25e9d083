"""TLS certificate files for the server (--tls-cert/--tls-key/--tls-client-ca) and the client
driver (channel.tls). Each file is read and checked with the standard ssl module before grpcio
sees it: grpcio reports a bad PEM only as a failed bind or a failed handshake later, far from its
cause, and a peer must say which file is wrong before its ready line."""
from __future__ import annotations

import ssl


class TlsFileError(ValueError):
    """str() names the file and what is wrong with it."""


def read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as err:
        raise TlsFileError(f'cannot read "{path}": {err.strerror or err}') from None


def _reason(err: Exception) -> str:
    """OpenSSL's short reason ("KEY_VALUES_MISMATCH") when there is one."""
    reason = getattr(err, "reason", None)
    return reason if isinstance(reason, str) and reason else str(err)


def _no_password() -> bytes:
    return b""


def check_pair(cert_path: str, key_path: str) -> tuple[bytes, bytes]:
    """(certificate chain, private key) as PEM bytes; TlsFileError when either cannot be read,
    is not PEM, or the key does not belong to the certificate."""
    cert, key = read(cert_path), read(key_path)
    if b"ENCRYPTED" in key:
        raise TlsFileError(f'"{key_path}": an encrypted private key (give it without a passphrase)')
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        # A password callback, so that an encrypted key is an error and not OpenSSL's prompt on
        # the terminal (a server that never gets to its ready line).
        ctx.load_cert_chain(cert_path, key_path, password=_no_password)
    except ssl.SSLError as err:
        raise TlsFileError(f'"{cert_path}" and "{key_path}": not a PEM certificate and its key '
                           f"({_reason(err)})") from None
    return cert, key


def check_ca(path: str) -> bytes:
    """The PEM bytes of a CA bundle; TlsFileError when it holds no certificate."""
    data = read(path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        ctx.load_verify_locations(cadata=data.decode("ascii", "replace"))
    except (ssl.SSLError, ValueError) as err:
        raise TlsFileError(f'"{path}": no PEM certificate ({_reason(err)})') from None
    return data
