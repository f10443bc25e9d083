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

// maxAuthority is contract/sc_instr.h SC_INSTR_MAX_AUTHORITY: a host name and a port.
const maxAuthority = 260

// authorityOK: a name for :authority, printable ASCII without spaces, '/' or '@' (as the C
// driver).
func authorityOK(a string) bool {
	if len(a) > maxAuthority {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] <= ' ' || a[i] > '~' || a[i] == '/' || a[i] == '@' {
			return false
		}
	}
	return true
}

var tlsFields = []string{"ca_file", "cert_file", "key_file", "authority"}

// parseTLS reads channel.tls with the C driver's checks in its order: members, ca_file present,
// types, empty strings, the certificate pair, the authority. The files are read later, by
// loadTLS.
func parseTLS(channel *value, ch *Channel) error {
	obj := channel.get("tls")
	if obj.absent() {
		return nil
	}
	if obj.kind != 'o' {
		return fail("channel.tls", "expected an object")
	}
	if err := checkMembers(obj, "channel.tls.", tlsFields); err != nil {
		return err
	}
	if obj.get("ca_file") == nil {
		return fail("channel.tls.ca_file", "missing")
	}
	vals := make([]string, len(tlsFields))
	for i, name := range tlsFields { // ca_file may not be null, the others may
		v := obj.get(name)
		if (i == 0 || !v.absent()) && v.kind != 's' {
			return fail("channel.tls."+name, "expected a string")
		}
		if v != nil {
			vals[i] = v.str
		}
	}
	for i, name := range tlsFields {
		if v := obj.get(name); !v.absent() && vals[i] == "" {
			return fail("channel.tls."+name, "expected a non-empty string")
		}
	}
	t := &TLS{CAFile: vals[0], CertFile: vals[1], KeyFile: vals[2], Authority: vals[3]}
	if (t.CertFile == "") != (t.KeyFile == "") {
		missing := "key_file"
		if t.CertFile == "" {
			missing = "cert_file"
		}
		return fail("channel.tls."+missing, "cert_file and key_file go together (the client certificate for mTLS)")
	}
	if t.Authority != "" && !authorityOK(t.Authority) {
		return fail("channel.tls.authority",
			"expected a host name (printable ASCII, no spaces, '/' or '@', at most 260 bytes)")
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
