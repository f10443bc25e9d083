// Package schema checks that the C loader and the published JSON Schemas agree (issue 17, part 4)
// on every scenario file in scenarios/ and tests/data/, on peers/implementations.json and on
// every implementations file in tests/data/:
//
//   - a file the loader accepts validates against its schema (no exceptions);
//   - a file the loader refuses fails the schema too, except the files of semantic-only.txt,
//     each refused for a rule JSON Schema cannot express (and each checked to still be one).
//
// The loader is the reference: `streamconform list FILE` for a scenario file and
// `streamconform list scenarios/happy.json --impls FILE` for an implementations file (0 =
// accepted, 2 = refused with "FILE: path: message" on stderr). Run by ctest as "schema.agree":
//
//	go test -count=1 . -args -streamconform BUILD/cli/streamconform -source SOURCE_DIR
package schema

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	binFlag = flag.String("streamconform", "", "the streamconform binary (the loader)")
	srcFlag = flag.String("source", "", "the source tree (scenarios/, tests/data/, docs/)")
)

// exitRefused is the loader's exit code for a file it refuses (SC_EXIT_USAGE).
const exitRefused = 2

// The loader's reference scenario file when an implementations file is checked: `list` needs
// scenarios to list, and this one is always there.
const refScenarios = "scenarios/happy.json"

type kind int

const (
	kindScenario kind = iota
	kindImpls
)

func (k kind) String() string {
	if k == kindImpls {
		return "implementations"
	}
	return "scenario"
}

// sample is one file to check, by its path relative to the source tree.
type sample struct {
	rel  string
	kind kind
}

// classify says what a .json file is. Everything below scenarios/, tests/data/scenarios/ and
// tests/data/schema-agree/ (this test's own fixtures) is a scenario file (broken ones included:
// the loader and the schema must both refuse them).
// Elsewhere in tests/data the content decides; files that are neither (the report fixtures)
// are left out and logged, so that a new fixture does not go unchecked unnoticed.
func classify(rel string, data []byte) (kind, bool) {
	for _, dir := range []string{"scenarios/", "tests/data/scenarios/", "tests/data/schema-agree/"} {
		if strings.HasPrefix(rel, dir) {
			return kindScenario, true
		}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	obj, isObj := doc.(map[string]any)
	if err != nil || !isObj {
		return 0, false
	}
	// a report (docs/report-format.md) has an "implementations" object, an implementations file
	// an array
	if _, ok := obj["implementations"].([]any); ok {
		return kindImpls, true
	}
	_, list := obj["scenarios"]
	_, method := obj["method"]
	_, app := obj["app"]
	if list || method || app {
		return kindScenario, true
	}
	return 0, false
}

// collect finds the files to check, sorted by path.
func collect(t *testing.T, src string) []sample {
	out := []sample{{rel: "peers/implementations.json", kind: kindImpls}}
	for _, root := range []string{"scenarios", "tests/data"} {
		err := filepath.WalkDir(filepath.Join(src, root), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
				return err
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			k, ok := classify(rel, data)
			if !ok {
				t.Logf("%s: not a scenario or implementations file, not checked", rel)
				return nil
			}
			out = append(out, sample{rel: rel, kind: k})
			return nil
		})
		if err != nil {
			t.Fatalf("walking %s: %v", root, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out
}

// loaderVerdict runs the C loader on one file: accepted, or refused with its message; an error
// when the run says neither (another exit code, or a refusal that does not name the file).
func loaderVerdict(bin, src string, s sample) (bool, string, error) {
	args := []string{"list", s.rel}
	want := s.rel + ": " // every loader error names the file first
	if s.kind == kindImpls {
		args = []string{"list", refScenarios, "--impls", s.rel}
		want = "--impls: " + s.rel + ": "
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = src
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	msg := strings.TrimSpace(stderr.String())
	if err == nil {
		return true, "", nil
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitRefused {
		return false, "", fmt.Errorf("streamconform %s: %v (want exit 0 or %d)\n%s",
			strings.Join(args, " "), err, exitRefused, msg)
	}
	// a refusal must be about this file, not e.g. a missing built-in implementations file
	if !strings.Contains(msg, want) {
		return false, "", fmt.Errorf("streamconform %s exited %d without naming the file "+
			"(%q):\n%s", strings.Join(args, " "), exitRefused, want, msg)
	}
	return false, firstLine(msg), nil
}

// schemaVerdict validates one file against a compiled schema; JSON the schema library cannot
// read is refused too.
func schemaVerdict(sch *jsonschema.Schema, path string) (bool, string) {
	f, err := os.Open(path)
	if err != nil {
		return false, err.Error()
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return false, "not JSON: " + err.Error()
	}
	if err := sch.Validate(doc); err != nil {
		return false, err.Error()
	}
	return true, ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// readSemanticOnly reads semantic-only.txt: "PATH: reason" lines, # comments, blank lines.
func readSemanticOnly(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rel, reason, ok := strings.Cut(line, ": ")
		if !ok || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: want \"PATH: reason\", got %q", path, n, line)
		}
		if _, dup := out[rel]; dup {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", path, n, rel)
		}
		out[rel] = reason
	}
	return out, sc.Err()
}

func compile(t *testing.T, path string) *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	sch, err := c.Compile(path) // also validates the schema against the 2020-12 metaschema
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return sch
}

func TestLoaderAndSchemaAgree(t *testing.T) {
	bin, src := *binFlag, *srcFlag
	if bin == "" || src == "" {
		t.Fatal("run with -args -streamconform BIN -source DIR (ctest schema.agree does)")
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[kind]*jsonschema.Schema{
		kindScenario: compile(t, filepath.Join(src, "docs/scenario.schema.json")),
		kindImpls:    compile(t, filepath.Join(src, "docs/implementations.schema.json")),
	}
	semantic, err := readSemanticOnly(filepath.Join(src, "tests/schema/semantic-only.txt"))
	if err != nil {
		t.Fatal(err)
	}
	samples := collect(t, src)
	counts := map[kind]int{}
	for _, s := range samples {
		counts[s.kind]++
		loaderOK, loaderMsg, err := loaderVerdict(bin, src, s)
		if err != nil {
			t.Errorf("%s: %v", s.rel, err)
			continue
		}
		schemaOK, schemaMsg := schemaVerdict(schemas[s.kind], filepath.Join(src, s.rel))
		reason, listed := semantic[s.rel]
		delete(semantic, s.rel)
		switch {
		case loaderOK && !schemaOK:
			t.Errorf("%s: the loader accepts this %s file, the schema refuses it:\n%s", s.rel,
				s.kind, schemaMsg)
		case loaderOK && listed:
			t.Errorf("%s: in semantic-only.txt (%s) but the loader accepts it", s.rel, reason)
		case !loaderOK && schemaOK && !listed:
			t.Errorf("%s: the loader refuses this %s file (%s), the schema accepts it: fix the "+
				"schema, or list the file in semantic-only.txt with the rule JSON Schema cannot "+
				"express", s.rel, s.kind, loaderMsg)
		case !loaderOK && !schemaOK && listed:
			t.Errorf("%s: in semantic-only.txt (%s) but the schema refuses it too: drop it "+
				"from the list", s.rel, reason)
		default:
			t.Logf("%s (%s): loader %s, schema %s", s.rel, s.kind, verdict(loaderOK),
				verdict(schemaOK))
		}
	}
	for rel := range semantic {
		t.Errorf("semantic-only.txt lists %s, which is not a checked file", rel)
	}
	if counts[kindScenario] == 0 || counts[kindImpls] == 0 {
		t.Errorf("checked %d scenario and %d implementations files: want some of each",
			counts[kindScenario], counts[kindImpls])
	}
}

func verdict(ok bool) string {
	if ok {
		return "accepts"
	}
	return "refuses"
}
