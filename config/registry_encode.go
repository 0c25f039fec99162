package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

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
func writeRepos(repos []Repo) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("[")
	for i, r := range repos {
		deps := r.Deployments
		r.Deployments = []Deployment{}
		head, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("failed to encode repository %s: %w", r.Repo, err)
		}
		// Keys come before values and strings escape their quotes, so the first
		// `"deployments":[]` of the encoding is the field itself.
		before, after, ok := bytes.Cut(head, []byte(`"deployments":[]`))
		if !ok {
			return nil, fmt.Errorf("failed to encode repository %s: no deployments field", r.Repo)
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		b.Write(before)
		b.WriteString(`"deployments":[`)
		for j, d := range deps {
			line, err := json.Marshal(d)
			if err != nil {
				return nil, fmt.Errorf("failed to encode deployment %s: %w", d.Name, err)
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
	return b.Bytes(), nil
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
