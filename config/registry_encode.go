package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	gosync "sync"

	"sigs.k8s.io/yaml"
)

// repos.yaml is written as JSON, which is YAML too (issue 14): one repository a block, one
// deployment a line, so that a registry of thousands of deployments is read and written in
// milliseconds (sigs.k8s.io/yaml took 0.2–1.3 s to write and 0.1–0.7 s to read 2,000), and
// stays readable and editable with `kubectl edit`. What a cluster admin writes by hand in
// YAML is read as before (readRepos falls back to YAML) and written back as JSON by the
// next update.

// writeRepos is repos as repos.yaml: a JSON array, each repository's fields on its first
// line and its deployments one a line.
// lines, when not nil, holds the lines of the last write: a deployment equal to the one a
// line was encoded from is not encoded again.
func writeRepos(repos []Repo, lines *encodedLines) (string, error) {
	var b strings.Builder // its String is not a copy
	last, size := lines.get()
	b.Grow(size + size/8)
	var next map[lineKey]encodedLine
	if lines != nil {
		next = make(map[lineKey]encodedLine, len(last)+1)
	}
	b.WriteString("[")
	for i, r := range repos {
		deps := r.Deployments
		r.Deployments = []Deployment{}
		head, err := json.Marshal(r)
		if err != nil {
			return "", fmt.Errorf("failed to encode repository %s: %w", r.Repo, err)
		}
		// Keys come before values and strings escape their quotes, so the first
		// `"deployments":[]` of the encoding is the field itself.
		before, after, ok := bytes.Cut(head, []byte(`"deployments":[]`))
		if !ok {
			return "", fmt.Errorf("failed to encode repository %s: no deployments field", r.Repo)
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		b.Write(before)
		b.WriteString(`"deployments":[`)
		for j, d := range deps {
			key := lineKey{repo: r.Repo, name: d.Name}
			was, ok := last[key]
			line := was.line
			if !ok || !reflect.DeepEqual(was.from, d) {
				var err error
				if line, err = json.Marshal(d); err != nil {
					return "", fmt.Errorf("failed to encode deployment %s: %w", d.Name, err)
				}
				if lines != nil {
					was = encodedLine{from: deepCopy(d), line: line}
				}
			}
			if lines != nil {
				next[key] = was
			}
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n  ")
			b.Write(line)
		}
		if len(deps) > 0 {
			b.WriteString("\n")
		}
		b.WriteString("]")
		b.Write(after)
	}
	b.WriteString("\n]\n")
	lines.set(next, b.Len())
	return b.String(), nil
}

// encodedLines are the deployments' lines of a Registry's last write (issue 14): at 2,000
// deployments encoding each again took 5–10 ms of an update that changes one.
type encodedLines struct {
	mu     gosync.Mutex
	byName map[lineKey]encodedLine
	size   int // of the last write's repos.yaml
}

type lineKey struct{ repo, name string }

type encodedLine struct {
	from Deployment // a copy of the deployment line is the encoding of, never changed
	line []byte
}

func (l *encodedLines) get() (map[lineKey]encodedLine, int) {
	if l == nil {
		return nil, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byName, l.size
}

func (l *encodedLines) set(m map[lineKey]encodedLine, size int) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byName, l.size = m, size
}

// readRepos reads repos.yaml into repos: as JSON when it is (what Rigel writes), strictly
// (an unknown field is an error); else as YAML, strictly, as it always was (what an admin
// may write by hand).
func readRepos(raw string, repos *[]Repo) error {
	if strings.HasPrefix(strings.TrimSpace(raw), "[") {
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		var out []Repo
		if err := dec.Decode(&out); err == nil && !dec.More() {
			*repos = out
			return nil
		}
		// not JSON after all (YAML's flow style also starts with "["): YAML says what is wrong
	}
	return yaml.UnmarshalStrict([]byte(raw), repos)
}
