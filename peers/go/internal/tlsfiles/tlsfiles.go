// Package tlsfiles reads the PEM files of the server's --tls-* options and of the driver's
// channel.tls, with errors that name the file: grpc-go would only report a bad file as a
// failed handshake, far from its cause, and a peer must say which file is wrong before its
// ready line.
package tlsfiles

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

func read(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is said once, by the caller's text
		}
		return nil, fmt.Errorf("cannot read \"%s\": %v", path, err)
	}
	return data, nil
}

// Pair is a certificate chain and its private key, both PEM files.
func Pair(certFile, keyFile string) (tls.Certificate, error) {
	cert, err := read(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := read(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("\"%s\" and \"%s\": not a PEM certificate and its key (%v)",
			certFile, keyFile, err)
	}
	return pair, nil
}

// Pool is the certificates of a PEM CA bundle; an error when it holds none.
func Pool(caFile string) (*x509.CertPool, error) {
	data, err := read(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("\"%s\": no PEM certificate", caFile)
	}
	return pool, nil
}

// Server is the server's TLS configuration; with clientCAFile (not "") it requires and
// verifies a client certificate signed by that CA (mTLS). Errors name the option.
func Server(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	pair, err := Pair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %v", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if clientCAFile != "" {
		pool, err := Pool(clientCAFile)
		if err != nil {
			return nil, fmt.Errorf("--tls-client-ca: %v", err)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}
