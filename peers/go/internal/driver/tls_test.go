package driver

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"streamconform/peers/go/internal/server"
	"streamconform/peers/go/internal/tlsfiles"
)

// certMaker writes throwaway PEM files (P-256 keys) into a test's temporary folder: nothing is
// committed.
type certMaker struct {
	t   *testing.T
	dir string
}

func (m certMaker) path(name string) string { return filepath.Join(m.dir, name) }

func (m certMaker) write(name, kind string, der []byte) {
	if err := os.WriteFile(m.path(name), pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		m.t.Fatal(err)
	}
}

// issue makes name.pem and name.key, signed by parent (self-signed CA when parent is nil).
func (m certMaker) issue(name string, tmpl *x509.Certificate, parent *x509.Certificate,
	parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		m.t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.Subject = pkix.Name{CommonName: "sc-test-" + name}
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		m.t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyDER, _ := x509.MarshalECPrivateKey(key)
	m.write(name+".pem", "CERTIFICATE", der)
	m.write(name+".key", "EC PRIVATE KEY", keyDER)
	return cert, key
}

// makeCerts writes ca, other-ca (signed nothing here), server (localhost, sc.test.example,
// 127.0.0.1) and client, the last two signed by ca.
func makeCerts(t *testing.T) certMaker {
	m := certMaker{t, t.TempDir()}
	caTmpl := func() *x509.Certificate {
		return &x509.Certificate{IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	}
	ca, caKey := m.issue("ca", caTmpl(), nil, nil)
	m.issue("other-ca", caTmpl(), nil, nil)
	m.issue("server", &x509.Certificate{DNSNames: []string{"localhost", "sc.test.example"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, caKey)
	m.issue("client", &x509.Certificate{KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca, caKey)
	return m
}

func serveTLS(t *testing.T, m certMaker, clientCA string) int {
	t.Helper()
	cfg, err := tlsfiles.Server(m.path("server.pem"), m.path("server.key"), clientCA)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Listen: "127.0.0.1:0", TickMS: 10, MaxReceiveBytes: 4 << 20,
		MaxUploadBytes: 1 << 20, Quiet: true, TLS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Stop(time.Second) })
	return srv.Port()
}

// driveLines runs instruction lines through a driver and returns the results by case.
func driveLines(t *testing.T, lines ...string) map[string]map[string]any {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := &Driver{out: &out, ctx: ctx, random: mrand.Float64}
	d.readLines(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	d.wg.Wait()
	got := map[string]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		got[r["case"].(string)] = r
	}
	return got
}

func getData(c string, port int, tls string) string {
	return fmt.Sprintf(`{"case":%q,"target":"127.0.0.1:%d","method":"GetData","timeout_ms":10000,`+
		`"requests":[{"topics":["t"],"batchSize":2}],"channel":{"tls":%s}}`, c, port, tls)
}

func wantCode(t *testing.T, r map[string]any, code string, responses int) {
	t.Helper()
	st, _ := r["status"].(map[string]any)
	if st == nil || st["code"] != code || len(r["responses"].([]any)) != responses {
		t.Fatalf("want %s with %d responses, got %v", code, responses, r)
	}
	if code != "OK" && st["message"] == "" {
		t.Fatalf("want a message with %s: %v", code, r)
	}
}

func TestTLSAuthorityAndWrongCA(t *testing.T) {
	m := makeCerts(t)
	port := serveTLS(t, m, "")
	ca := fmt.Sprintf(`"ca_file":%q`, m.path("ca.pem"))
	got := driveLines(t,
		getData("tls", port, "{"+ca+"}"),
		getData("authority", port, "{"+ca+`,"authority":"sc.test.example"}`),
		getData("wrong-authority", port, "{"+ca+`,"authority":"wrong.example"}`),
		getData("wrong-ca", port, fmt.Sprintf(`{"ca_file":%q}`, m.path("other-ca.pem"))),
		fmt.Sprintf(`{"case":"plaintext","target":"127.0.0.1:%d","method":"GetData","timeout_ms":10000,"requests":[{"topics":["t"]}]}`, port))
	wantCode(t, got["tls"], "OK", 1)
	wantCode(t, got["authority"], "OK", 1)
	wantCode(t, got["wrong-authority"], "UNAVAILABLE", 0)
	wantCode(t, got["wrong-ca"], "UNAVAILABLE", 0)
	wantCode(t, got["plaintext"], "UNAVAILABLE", 0)
}

func TestMTLS(t *testing.T) {
	m := makeCerts(t)
	port := serveTLS(t, m, m.path("ca.pem"))
	pair := fmt.Sprintf(`"cert_file":%q,"key_file":%q`, m.path("client.pem"), m.path("client.key"))
	got := driveLines(t,
		getData("mtls", port, fmt.Sprintf(`{"ca_file":%q,%s}`, m.path("ca.pem"), pair)),
		getData("no-client-cert", port, fmt.Sprintf(`{"ca_file":%q}`, m.path("ca.pem"))),
		getData("wrong-ca", port, fmt.Sprintf(`{"ca_file":%q,%s}`, m.path("other-ca.pem"), pair)))
	wantCode(t, got["mtls"], "OK", 1)
	wantCode(t, got["no-client-cert"], "UNAVAILABLE", 0)
	wantCode(t, got["wrong-ca"], "UNAVAILABLE", 0)
}

func TestTLSInstructionErrors(t *testing.T) {
	m := makeCerts(t)
	ca := fmt.Sprintf(`"ca_file":%q`, m.path("ca.pem"))
	got := driveLines(t,
		getData("unknown", 1, "{"+ca+`,"sni":"x"}`),
		getData("no-ca", 1, `{"authority":"x"}`),
		getData("not-object", 1, `true`),
		getData("half-pair", 1, "{"+ca+fmt.Sprintf(`,"cert_file":%q}`, m.path("client.pem"))),
		getData("missing-file", 1, fmt.Sprintf(`{"ca_file":%q}`, m.path("nope.pem"))),
		getData("not-pem", 1, fmt.Sprintf(`{"ca_file":%q}`, m.path("ca.key"))),
		getData("mismatch", 1, "{"+ca+fmt.Sprintf(`,"cert_file":%q,"key_file":%q}`,
			m.path("client.pem"), m.path("server.key"))))
	for c, want := range map[string]string{
		"unknown":      "channel.tls.sni: unknown field",
		"no-ca":        "channel.tls.ca_file: missing",
		"not-object":   "channel.tls: expected an object",
		"half-pair":    "channel.tls.key_file: cert_file and key_file go together (the client certificate for mTLS)",
		"missing-file": "channel.tls.ca_file: cannot read",
		"not-pem":      "channel.tls.ca_file: ",
		"mismatch":     "channel.tls.cert_file: ",
	} {
		if e, _ := got[c]["error"].(string); !strings.HasPrefix(e, want) {
			t.Errorf("%s: got %v, want an error starting %q", c, got[c], want)
		}
	}
}

func TestParseTLS(t *testing.T) {
	in, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","channel":{"tls":` +
		`{"ca_file":"ca.pem","cert_file":"c.pem","key_file":"c.key","authority":"a.example:443"}}}`))
	if err != nil || *in.Channel.TLS != (TLS{CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "c.key", Authority: "a.example:443"}) {
		t.Fatalf("%v %+v", err, in)
	}
	in, _, err = ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","channel":{"tls":{"ca_file":"a","cert_file":null}}}`))
	if err != nil || *in.Channel.TLS != (TLS{CAFile: "a"}) {
		t.Fatalf("%v %+v", err, in)
	}
	host := "expected a host name (printable ASCII, no spaces, '/' or '@', at most 260 bytes)"
	for tls, want := range map[string]string{
		`[]`:                                "channel.tls: expected an object",
		`{"ca_file":"a","alpn":"h2"}`:       "channel.tls.alpn: unknown field",
		`{"cert_file":1}`:                   "channel.tls.ca_file: missing",
		`{"ca_file":null}`:                  "channel.tls.ca_file: expected a string",
		`{"ca_file":1}`:                     "channel.tls.ca_file: expected a string",
		`{"ca_file":"","cert_file":1}`:      "channel.tls.cert_file: expected a string",
		`{"ca_file":"a","authority":""}`:    "channel.tls.authority: expected a non-empty string",
		`{"ca_file":"a","key_file":"k"}`:    "channel.tls.cert_file: cert_file and key_file go together (the client certificate for mTLS)",
		`{"ca_file":"a","authority":"a b"}`: "channel.tls.authority: " + host,
		`{"ca_file":"a","authority":"u@h"}`: "channel.tls.authority: " + host,
		`{"ca_file":"a","authority":"` + strings.Repeat("x", 261) + `"}`: "channel.tls.authority: " + host,
	} {
		_, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","channel":{"tls":` + tls + `}}`))
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %q", tls, err, want)
		}
	}
}

func TestServerTLSFileErrors(t *testing.T) {
	m := makeCerts(t)
	for _, c := range []struct{ cert, key, ca, want string }{
		{"server.pem", "nope.key", "", "--tls-cert/--tls-key: cannot read"},
		{"server.pem", "client.key", "", "not a PEM certificate and its key"},
		{"server.key", "server.key", "", "not a PEM certificate and its key"},
		{"server.pem", "server.key", "server.key", "--tls-client-ca: "},
		{"server.pem", "server.key", "nope.pem", "--tls-client-ca: cannot read"},
	} {
		ca := ""
		if c.ca != "" {
			ca = m.path(c.ca)
		}
		_, err := tlsfiles.Server(m.path(c.cert), m.path(c.key), ca)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v", c, err)
		}
	}
	cfg, err := tlsfiles.Server(m.path("server.pem"), m.path("server.key"), m.path("ca.pem"))
	if err != nil || cfg.ClientAuth != tls.RequireAndVerifyClientCert {
		t.Fatalf("%v %+v", err, cfg)
	}
}
