package driver

import (
	"crypto/tls"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"streamconform/peers/go/internal/tlsfiles"
)

// TLS is the instruction's channel.tls: file paths as given.
type TLS struct {
	CAFile    string
	CertFile  string // with KeyFile: the client's certificate (mTLS); "" = none
	KeyFile   string
	Authority string // the :authority and the name checked against the server's; "" = the target's

	creds credentials.TransportCredentials // set by loadTLS
}

func tlsString(obj *value, name string, out *string) error {
	v := obj.get(name)
	if v.absent() {
		return nil
	}
	if v.kind != 's' || v.str == "" {
		return fail("channel.tls."+name, "expected a non-empty string")
	}
	*out = v.str
	return nil
}

// parseTLS reads channel.tls (the files are read later, by loadTLS).
func parseTLS(channel *value, ch *Channel) error {
	obj := channel.get("tls")
	if obj.absent() {
		return nil
	}
	if obj.kind != 'o' {
		return fail("channel.tls", "expected an object")
	}
	if err := checkMembers(obj, "channel.tls.", []string{"ca_file", "cert_file", "key_file",
		"authority"}); err != nil {
		return err
	}
	t := &TLS{}
	for _, err := range []error{tlsString(obj, "ca_file", &t.CAFile),
		tlsString(obj, "cert_file", &t.CertFile), tlsString(obj, "key_file", &t.KeyFile),
		tlsString(obj, "authority", &t.Authority)} {
		if err != nil {
			return err
		}
	}
	if t.CAFile == "" {
		return fail("channel.tls.ca_file", "missing")
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		missing := "key_file"
		if t.CertFile == "" {
			missing = "cert_file"
		}
		return fail("channel.tls."+missing, "missing (cert_file and key_file go together)")
	}
	ch.TLS = t
	return nil
}

// loadTLS reads the files of channel.tls into credentials: the CA as the only root, the client
// certificate when given. A file that cannot be used is the instruction's error, named by its
// field; a handshake that fails later is the call's status (UNAVAILABLE).
func loadTLS(in *Instruction) error {
	t := in.Channel.TLS
	if t == nil {
		return nil
	}
	pool, err := tlsfiles.Pool(t.CAFile)
	if err != nil {
		return fail("channel.tls.ca_file", err.Error())
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: t.Authority, MinVersion: tls.VersionTLS12}
	if t.CertFile != "" {
		pair, err := tlsfiles.Pair(t.CertFile, t.KeyFile)
		if err != nil {
			return fail("channel.tls.cert_file", err.Error())
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	t.creds = credentials.NewTLS(cfg)
	return nil
}

// tlsDialOptions are the dial options of channel.tls (insecure credentials without it).
func tlsDialOptions(t *TLS) []grpc.DialOption {
	opts := []grpc.DialOption{grpc.WithTransportCredentials(t.creds)}
	if t.Authority != "" {
		opts = append(opts, grpc.WithAuthority(t.Authority))
	}
	return opts
}
