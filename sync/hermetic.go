package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Hermetic rendering: before kustomize builds a folder, every kustomization the build can
// reach, and every plugin config it can run, is read and checked, so that the build never
// opens a network connection (kustomize's loader fetches http(s) URLs with a plain
// http.Client and clones git URLs with the git binary) and never reads outside the
// repository. The fields and what each may hold are listed in hermetic_fields.go. The check
// decodes kustomizations and plugin configs with the same code kustomize uses (so that a
// field spelled Generators, or an entry kustomize would take for a path rather than an
// inline config, is seen as kustomize sees it), and refuses with a *HermeticError naming the
// file and the field.

// hermetic checks the kustomizations of a repository copy (paths "/"+repository-relative).
type hermetic struct {
	ctx     context.Context
	fs      filesys.FileSystem
	rf      *resmap.Factory
	seen    map[string]bool // kustomization folders checked
	plugins map[string]bool // plugin folders checked, by folder and the folder their paths resolve from
	queue   []string
}

// checkHermetic checks the kustomization in dir (repository-relative) and everything it reaches.
func checkHermetic(ctx context.Context, fsys filesys.FileSystem, dir string) error {
	h := &hermetic{
		ctx: ctx, fs: fsys,
		rf:      resmap.NewFactory(provider.NewDepProvider().GetResourceFactory()),
		seen:    map[string]bool{},
		plugins: map[string]bool{},
		queue:   []string{dir},
	}
	for len(h.queue) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := h.queue[0]
		h.queue = h.queue[1:]
		if h.seen[d] {
			continue
		}
		h.seen[d] = true
		if err := h.kustomization(d); err != nil {
			return err
		}
	}
	return nil
}

// at is where a value is: the file naming it, what lists that file, the field, and the
// folder its paths resolve from (kustomize resolves the paths of a plugin config from the
// kustomization that lists it, not from the config's own folder).
type at struct {
	file, via, field string
	base             string
	fold             bool // plugin config: field names match case-insensitively
	spaced           bool // field is a label ("generators[0] (inline PatchTransformer)"): a space before the next name
}

// child is a field of the value at a: "patches[0].path", "PatchTransformer path".
func (a at) child(name string) at {
	switch {
	case a.field == "":
		a.field = name
	case a.spaced:
		a.field += " " + name
	default:
		a.field += "." + name
	}
	a.spaced = false
	return a
}

func (a at) refuse(value, reason string) error {
	return &HermeticError{File: a.file, Via: a.via, Field: a.field, Value: value, Reason: reason}
}

// kustomizationFiles returns the kustomization files of folder d (kustomize refuses a
// folder holding several, but each is checked all the same).
func (h *hermetic) kustomizationFiles(d string) []string {
	var out []string
	for _, name := range kustomizationNames {
		p := path.Join(d, name)
		if h.fs.Exists("/"+p) && !h.fs.IsDir("/"+p) {
			out = append(out, p)
		}
	}
	return out
}

// readKustomization decodes a kustomization as kustomize does (case-insensitive field names,
// unknown fields refused) and returns it with canonical field names.
func (h *hermetic) readKustomization(file string) (map[string]interface{}, error) {
	data, err := h.read(file)
	if err != nil {
		return nil, err
	}
	var k types.Kustomization
	if err := k.Unmarshal(data); err != nil {
		return nil, &ParseError{File: file, Msg: err.Error()}
	}
	js, err := json.Marshal(&k)
	if err != nil {
		return nil, fmt.Errorf("failed to encode %s: %w", file, err)
	}
	var m map[string]interface{}
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, fmt.Errorf("failed to decode %s: %w", file, err)
	}
	return m, nil
}

func (h *hermetic) read(file string) ([]byte, error) {
	data, err := h.fs.ReadFile("/" + file)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", file, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d", file, len(data), MaxFileBytes)
	}
	if err := checkAliasBomb(file, data); err != nil {
		return nil, err
	}
	return data, nil
}

// kustomization checks the kustomization of folder d.
func (h *hermetic) kustomization(d string) error {
	for _, file := range h.kustomizationFiles(d) {
		k, err := h.readKustomization(file)
		if err != nil {
			return err
		}
		if err := h.walk(k, kustomizationSpec, at{file: file, base: d}); err != nil {
			return err
		}
	}
	return nil
}

// walk checks value v of spec s at a.
func (h *hermetic) walk(v interface{}, s *spec, a at) error {
	if s == nil {
		return h.walkUnknown(v, a)
	}
	switch s.role {
	case roleData:
		return nil
	case roleRefuse:
		if isEmpty(v) {
			return nil
		}
		return a.refuse("", "is refused: "+s.why)
	case roleCheck:
		if s.fields == nil {
			return h.walkUnknown(v, a)
		}
		switch t := v.(type) {
		case map[string]interface{}:
			for _, k := range sortedKeys(t) {
				if err := h.walk(t[k], s.lookup(k, a.fold), a.child(k)); err != nil {
					return err
				}
			}
			return nil
		case []interface{}:
			for i, it := range t {
				if err := h.walk(it, s, indexed(a, i)); err != nil {
					return err
				}
			}
			return nil
		}
		return h.walkUnknown(v, a)
	}
	// The string roles take a string or a list of strings.
	if l, ok := v.([]interface{}); ok {
		for i, it := range l {
			if err := h.walk(it, s, indexed(a, i)); err != nil {
				return err
			}
		}
		return nil
	}
	str, ok := v.(string)
	if !ok {
		return h.walkUnknown(v, a)
	}
	if str == "" {
		return nil
	}
	switch s.role {
	case roleFile:
		_, err := h.checkPath(str, a, false)
		return err
	case roleFileSource:
		// [key=]path, as kustomize splits it (generators.ParseFileSource).
		if r := remoteForm(str); r != "" {
			return a.refuse(str, remoteReason(r, "files"))
		}
		p := str
		if strings.Count(str, "=") == 1 {
			p = str[strings.Index(str, "=")+1:]
		}
		if p == "" {
			return nil
		}
		if _, err := h.checkPath(p, a, false); err != nil {
			var he *HermeticError
			if errors.As(err, &he) {
				he.Value = str
			}
			return err
		}
		return nil
	case rolePatchOrFile:
		// kustomize takes the entry for an inline patch when it decodes as resources.
		if _, err := h.rf.RF().SliceFromBytes([]byte(str)); err == nil {
			return nil
		}
		_, err := h.checkPath(str, a, false)
		return err
	case roleRef:
		local, err := h.checkPath(str, a, true)
		if err != nil {
			return err
		}
		if h.fs.IsDir("/" + local) {
			h.queue = append(h.queue, local)
		}
		return nil
	case rolePlugins:
		return h.pluginEntry(str, a)
	}
	return h.walkUnknown(v, a)
}

// walkUnknown checks a value whose field is not listed: every string in it that kustomize
// could take for a URL or a remote repository is refused.
func (h *hermetic) walkUnknown(v interface{}, a at) error {
	switch t := v.(type) {
	case string:
		if r := remoteForm(t); r != "" {
			return a.refuse(t, remoteReason(r, "files"))
		}
	case map[string]interface{}:
		for _, k := range sortedKeys(t) {
			if err := h.walkUnknown(t[k], a.child(k)); err != nil {
				return err
			}
		}
	case []interface{}:
		for i, it := range t {
			if err := h.walkUnknown(it, indexed(a, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkPath refuses a path that is remote, absolute or outside the repository, and returns
// it resolved against a.base. ref: kustomize may also take it for a kustomization folder or
// a git repository (resources, components, bases, generators…).
func (h *hermetic) checkPath(p string, a at, ref bool) (string, error) {
	noun := "files"
	if ref {
		noun = topField(a.field)
	}
	if r := remoteForm(p); r != "" {
		return "", a.refuse(p, remoteReason(r, noun))
	}
	if path.IsAbs(p) || strings.HasPrefix(p, `\`) {
		return "", a.refuse(p, "is an absolute path: give a path relative to the kustomization's folder, inside the repository")
	}
	local := path.Join(a.base, p)
	if local == ".." || strings.HasPrefix(local, "../") {
		return "", a.refuse(p, "is outside the repository: Rigel reads only the repository's own files")
	}
	if !h.fs.Exists("/"+local) && looksRemote(p) {
		return "", a.refuse(p, remoteReason("looks like a remote repository", noun))
	}
	return local, nil
}

// pluginEntry checks an entry of generators, transformers or validators: an inline plugin
// config, or the path of a file of them or of a folder listing them.
func (h *hermetic) pluginEntry(s string, a at) error {
	if err := checkAliasBomb(a.file, []byte(s)); err != nil {
		return err
	}
	// kustomize takes the entry for inline configs when it decodes as resources.
	if rm, err := h.rf.NewResMapFromBytes([]byte(s)); err == nil {
		res := rm.Resources()
		for i, r := range res {
			label := "inline " + r.GetKind()
			if len(res) > 1 {
				label = fmt.Sprintf("inline, document %d: %s", i+1, r.GetKind())
			}
			b := a
			b.field = a.field + " (" + label + ")"
			if err := h.pluginConfig(r.MarshalJSON, r.GetApiVersion(), r.GetKind(), b); err != nil {
				return err
			}
		}
		return nil
	}
	local, err := h.checkPath(s, a, true)
	if err != nil {
		return err
	}
	via := a.field + " of " + a.file
	if h.fs.IsDir("/" + local) {
		return h.pluginFolder(local, a.base, via)
	}
	if h.fs.Exists("/" + local) {
		return h.pluginFile(local, a.base, via)
	}
	return nil // kustomize reports it missing
}

// pluginFile checks a file of plugin configs whose paths resolve from base.
func (h *hermetic) pluginFile(file, base, via string) error {
	data, err := h.read(file)
	if err != nil {
		return err
	}
	rm, err := h.rf.NewResMapFromBytes(data)
	if err != nil {
		return nil // kustomize refuses it
	}
	res := rm.Resources()
	for i, r := range res {
		field := r.GetKind()
		if len(res) > 1 {
			field = fmt.Sprintf("document %d (%s)", i+1, r.GetKind())
		}
		if err := h.pluginConfig(r.MarshalJSON, r.GetApiVersion(), r.GetKind(), at{file: file, via: via, field: field, base: base}); err != nil {
			return err
		}
	}
	return nil
}

// pluginFolder checks a folder listed by generators, transformers or validators: its
// kustomization may list only resources (files of plugin configs, or more such folders).
func (h *hermetic) pluginFolder(dir, base, via string) error {
	key := dir + "\x00" + base
	if h.plugins[key] {
		return nil
	}
	h.plugins[key] = true
	if err := h.ctx.Err(); err != nil {
		return err
	}
	for _, file := range h.kustomizationFiles(dir) {
		k, err := h.readKustomization(file)
		if err != nil {
			return err
		}
		a := at{file: file, via: via, base: dir}
		for _, f := range sortedKeys(k) {
			if !pluginFolderFields[f] {
				return a.child(f).refuse("", "is refused in a folder of plugin configs: it could rewrite the configs; keep that folder to resources:, or list the plugin config files directly")
			}
		}
		for _, f := range []string{"resources", "bases"} {
			for i, it := range list(k[f]) {
				s, _ := it.(string)
				if s == "" {
					continue
				}
				local, err := h.checkPath(s, indexed(a.child(f), i), true)
				if err != nil {
					return err
				}
				via2 := fmt.Sprintf("%s[%d] of %s, %s", f, i, file, via)
				if h.fs.IsDir("/" + local) {
					err = h.pluginFolder(local, base, via2)
				} else if h.fs.Exists("/" + local) {
					err = h.pluginFile(local, base, via2)
				}
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// pluginConfig checks one plugin config: a built-in plugin, whose fields are checked by
// pluginSpecs.
func (h *hermetic) pluginConfig(marshal func() ([]byte, error), apiVersion, kind string, a at) error {
	s, ok := pluginSpecs[kind]
	if apiVersion != "builtin" || !ok {
		return a.refuse("", fmt.Sprintf("(apiVersion %q) is refused: it is not one of kustomize's built-in plugins (apiVersion: builtin), and Rigel runs no exec, Go, KRM-function or containerized plugins", apiVersion))
	}
	if s.role == roleRefuse {
		return a.refuse("", "is refused: "+s.why)
	}
	js, err := marshal()
	if err != nil {
		return fmt.Errorf("failed to encode the plugin config %s in %s: %w", kind, a.file, err)
	}
	var m map[string]interface{}
	if err := json.Unmarshal(js, &m); err != nil {
		return fmt.Errorf("failed to decode the plugin config %s in %s: %w", kind, a.file, err)
	}
	a.fold, a.spaced = true, true
	return h.walk(m, s, a)
}

// remoteForm says how kustomize could take s for something remote, or "". It is a superset
// of kustomize's own tests: its loader fetches what url.Parse gives an http or https scheme
// (IsRemoteFile), and clones what git.NewRepoSpecFromURL accepts (an ssh, https, http or
// file URL, an optional git:: prefix, user@host:path, github.com/org/repo), all
// case-insensitively.
func remoteForm(s string) string {
	l := strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(l, "git::"):
		return "is a git URL"
	case strings.Contains(l, "://"):
		return "is a URL"
	case scpUser.MatchString(strings.TrimSpace(s)):
		return "is a remote git repository (user@host)"
	case strings.HasPrefix(l, "github.com/"), strings.HasPrefix(l, "github.com:"):
		return "is a GitHub repository"
	}
	if u, err := url.Parse(s); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return "is a URL" // http:host/x, which kustomize's loader would also try to fetch
	}
	return ""
}

var scpUser = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

func remoteReason(form, noun string) string {
	return form + " (remote " + noun + " are not read): Rigel renders only from the repository, so copy it into the repository"
}

// looksRemote reports whether a path that does not exist in the repository looks like a
// remote repository (gitlab.example.org/org/repo//deploy?ref=v1).
func looksRemote(p string) bool {
	if strings.Contains(p, "?ref=") || strings.Contains(p, "?version=") || strings.Contains(p, ".git//") || strings.Contains(p, "_git/") {
		return true
	}
	first, rest, ok := strings.Cut(p, "/")
	if !ok || rest == "" || strings.HasPrefix(first, ".") || !strings.Contains(first, ".") {
		return false
	}
	for _, r := range first {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == ':') {
			return false
		}
	}
	return true
}

// topField is the kustomization field a path is in: "resources" for "resources[2]".
func topField(field string) string {
	if i := strings.IndexAny(field, "[ "); i >= 0 {
		return field[:i]
	}
	return field
}

func indexed(a at, i int) at {
	a.field = fmt.Sprintf("%s[%d]", a.field, i)
	return a
}

func isEmpty(v interface{}) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case map[string]interface{}:
		return len(t) == 0
	case []interface{}:
		return len(t) == 0
	}
	return false
}

func sortedKeys(m map[string]interface{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func list(v interface{}) []interface{} {
	l, _ := v.([]interface{})
	return l
}
