package sync

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
	sigsyaml "sigs.k8s.io/yaml"
)

// kustomize refuses an object without metadata.name, but a hook is often written with
// generateName only (Argo CD's PreSync Jobs, issue 17; Helm's hooks, issue 13). Before a
// build, placeholdNames gives each such object of the in-memory copy a placeholder name in
// place of its generateName (same line, so errors keep their lines); after it,
// restoreGenerateNames turns the placeholder back into generateName, keeping a namePrefix
// kustomize added (a nameSuffix cannot follow a generated name and is dropped).

// placeholderRE finds a placeholder name in a built object's name.
var placeholderRE = regexp.MustCompile(`rigel-generate-name-([0-9]+)-z`)

// generateNameRE finds a generateName line of a manifest.
var generateNameRE = regexp.MustCompile(`(?m)^([ \t]*)generateName:[ \t]*(\S[^\n]*)$`)

// placeholdNames rewrites the YAML files of mem whose objects have a generateName and no
// name, and returns the generateName of each placeholder (its number is the index).
func placeholdNames(mem filesys.FileSystem) ([]string, error) {
	var names []string
	err := mem.Walk("/", func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !isYAMLName(p) {
			return err
		}
		data, err := mem.ReadFile(p)
		if err != nil || !bytes.Contains(data, []byte("generateName:")) {
			return err
		}
		if checkAliasBomb(p, data) != nil {
			return nil // not parsed here: the build's read of it refuses it (guardedFS)
		}
		out, changed := placeholdDocs(data, &names)
		if !changed {
			return nil
		}
		return mem.WriteFile(p, out)
	})
	if err != nil {
		return nil, fmt.Errorf("failed to read the manifests for generateName: %w", err)
	}
	return names, nil
}

// placeholdDocs rewrites each document of data that is an object with metadata.generateName
// and no metadata.name, appending the generateNames to names.
func placeholdDocs(data []byte, names *[]string) ([]byte, bool) {
	lines := strings.SplitAfter(string(data), "\n")
	var out strings.Builder
	var doc strings.Builder
	changed := false
	flush := func() {
		d := doc.String()
		doc.Reset()
		if nd, ok := placeholdDoc(d, names); ok {
			d, changed = nd, true
		}
		out.WriteString(d)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "---") {
			flush()
			out.WriteString(l)
			continue
		}
		doc.WriteString(l)
	}
	flush()
	return []byte(out.String()), changed
}

// placeholdDoc is one document with its generateName line made a placeholder name, when it
// is an object with metadata.generateName and no name (and the line found is that field).
func placeholdDoc(d string, names *[]string) (string, bool) {
	var head struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name         string `json:"name"`
			GenerateName string `json:"generateName"`
		} `json:"metadata"`
	}
	if err := sigsyaml.Unmarshal([]byte(d), &head); err != nil || head.Kind == "" || head.Metadata.Name != "" || head.Metadata.GenerateName == "" {
		return "", false
	}
	m := generateNameRE.FindStringSubmatchIndex(d)
	if m == nil {
		return "", false
	}
	placeholder := "rigel-generate-name-" + strconv.Itoa(len(*names)) + "-z"
	nd := d[:m[0]] + d[m[2]:m[3]] + "name: " + placeholder + d[m[1]:]
	var check struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := sigsyaml.Unmarshal([]byte(nd), &check); err != nil || check.Metadata.Name != placeholder {
		return "", false // the line was not metadata's: kustomize says what is missing
	}
	*names = append(*names, head.Metadata.GenerateName)
	return nd, true
}

// restoreGenerateNames gives the built objects named by a placeholder their generateName
// back, with what kustomize put before the placeholder (a namePrefix).
func restoreGenerateNames(objs []Object, names []string) {
	if len(names) == 0 {
		return
	}
	for _, o := range objs {
		name := o.Obj.GetName()
		m := placeholderRE.FindStringSubmatchIndex(name)
		if m == nil {
			continue
		}
		i, err := strconv.Atoi(name[m[2]:m[3]])
		if err != nil || i >= len(names) {
			continue
		}
		o.Obj.SetGenerateName(name[:m[0]] + names[i])
		o.Obj.SetName("")
	}
}
