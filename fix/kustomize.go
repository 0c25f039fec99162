package fix

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	rsync "github.com/rigel-gitops/rigel/sync"
)

// kustomizationIn returns the path of the kustomization file in dir, or "".
func kustomizationIn(fsys fs.FS, dir string) string {
	for _, n := range rsync.KustomizationNames() {
		p := path.Join(dir, n)
		if st, err := fs.Stat(fsys, p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// finder collects the sites of a workload in a folder, highest precedence first.
type finder struct {
	fsys  fs.FS
	w     kube.WorkloadRef
	obj   *unstructured.Unstructured // the workload as the folder builds it
	files map[string]*yfile
	sites []site
	seen  map[string]bool
}

func (fd *finder) file(p string) (*yfile, error) {
	if f, ok := fd.files[p]; ok {
		return f, nil
	}
	st, err := fs.Stat(fd.fsys, p)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", p, err)
	}
	if st.Size() > rsync.MaxFileBytes {
		return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d", p, st.Size(), rsync.MaxFileBytes)
	}
	data, err := fs.ReadFile(fd.fsys, p)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", p, err)
	}
	f, err := parseYFile(p, data)
	if err != nil {
		return nil, &PlaceError{Msg: fmt.Sprintf("Rigel cannot read %s to edit it (it reads YAML and one JSON value per file): %s", p, untrusted.MarkdownText(err.Error())), Err: err}
	}
	fd.files[p] = f
	return f, nil
}

// objects calls fn for every object of a file: each document, and each item of a List.
func objects(f *yfile, fn func(root *yaml.Node, doc, item int)) {
	for i, d := range f.docs {
		if len(d.Content) == 0 || d.Content[0].Kind != yaml.MappingNode {
			continue
		}
		root := d.Content[0]
		if _, items := mapGet(root, "items"); items != nil && items.Kind == yaml.SequenceNode && strings.HasSuffix(mapString(root, "kind"), "List") {
			for j, it := range items.Content {
				if it.Kind == yaml.MappingNode {
					fn(it, i, j)
				}
			}
			continue
		}
		fn(root, i, -1)
	}
}

// scope is what identifies the workload at one level of a kustomization tree.
type scope struct {
	names  []string // the names it may have at this level
	nsFree bool     // a kustomization above sets the namespace, so documents may name any
}

func (fd *finder) isWorkload(root *yaml.Node, sc scope, patch bool) bool {
	av := mapString(root, "apiVersion")
	if !(av == "apps/v1" || patch && (av == "" || strings.HasPrefix(av, "apps/"))) || mapString(root, "kind") != fd.w.Kind {
		return false
	}
	ns := mapString(root, "metadata", "namespace")
	if !sc.nsFree && ns != "" && ns != fd.w.Namespace {
		return false
	}
	name := mapString(root, "metadata", "name")
	for _, n := range sc.names {
		if n == name {
			return true
		}
	}
	return false
}

// plainSites finds the document defining the workload in a file of a plain folder: one in
// the workload's namespace, else one without a namespace.
func (fd *finder) plainSites(file string) error {
	f, err := fd.file(file)
	if err != nil {
		return err
	}
	var exact, bare []site
	objects(f, func(root *yaml.Node, doc, item int) {
		if fd.isWorkload(root, scope{names: []string{fd.w.Name}}, false) {
			s := site{kind: siteResource, file: file, doc: doc, item: item}
			if mapString(root, "metadata", "namespace") == "" {
				bare = append(bare, s)
			} else {
				exact = append(exact, s)
			}
		}
	})
	if all := append(exact, bare...); len(all) > 0 {
		fd.sites = append(fd.sites, all[0])
	}
	return nil
}

// visit collects the sites of the kustomization in dir, where the workload is named name
// (after this kustomization's prefix and suffix).
func (fd *finder) visit(dir, name string, nsFree bool) error {
	kfile := kustomizationIn(fd.fsys, dir)
	if kfile == "" || fd.seen[kfile+"\x00"+name] {
		return nil
	}
	fd.seen[kfile+"\x00"+name] = true
	kf, err := fd.file(kfile)
	if err != nil {
		return err
	}
	var k types.Kustomization
	if err := sigsyaml.Unmarshal(kf.data, &k); err != nil {
		return fmt.Errorf("failed to read %s: %w", kfile, err)
	}
	if !strings.HasPrefix(name, k.NamePrefix) || !strings.HasSuffix(name, k.NameSuffix) || len(name) < len(k.NamePrefix)+len(k.NameSuffix) {
		return nil
	}
	local := strings.TrimSuffix(strings.TrimPrefix(name, k.NamePrefix), k.NameSuffix)
	if k.Namespace != "" {
		if !nsFree && k.Namespace != fd.w.Namespace {
			return nil
		}
		nsFree = true
	}
	sc := scope{names: unique(name, local), nsFree: nsFree}

	// Precedence, highest first, as kustomize runs a kustomization's transformers: images,
	// replicas, JSON 6902 patches, patches, strategic-merge patches; then what the components
	// and resources built.
	for i := len(k.Images) - 1; i >= 0; i-- {
		fd.sites = append(fd.sites, site{kind: siteImages, file: kfile, item: -1, name: k.Images[i].Name,
			pre: []step{{key: "images"}, named(k.Images[i].Name)}})
	}
	for i := len(k.Replicas) - 1; i >= 0; i-- {
		for _, n := range sc.names {
			if k.Replicas[i].Name == n {
				fd.sites = append(fd.sites, site{kind: siteReplicas, file: kfile, item: -1, name: n,
					pre: []step{{key: "replicas"}, named(n)}})
				break
			}
		}
	}
	for i := len(k.PatchesJson6902) - 1; i >= 0; i-- {
		p := k.PatchesJson6902[i]
		if err := fd.patch(dir, kfile, fmt.Sprintf("patchesJson6902[%d]", i), p, sc, true); err != nil {
			return err
		}
	}
	for i := len(k.Patches) - 1; i >= 0; i-- {
		if err := fd.patch(dir, kfile, fmt.Sprintf("patches[%d]", i), k.Patches[i], sc, false); err != nil {
			return err
		}
	}
	for i := len(k.PatchesStrategicMerge) - 1; i >= 0; i-- {
		s := string(k.PatchesStrategicMerge[i])
		p := types.Patch{Path: s}
		if strings.Contains(s, "\n") || !fileExists(fd.fsys, path.Join(dir, s)) {
			p = types.Patch{Patch: s}
		}
		if err := fd.patch(dir, kfile, fmt.Sprintf("patchesStrategicMerge[%d]", i), p, sc, false); err != nil {
			return err
		}
	}
	for i := len(k.Components) - 1; i >= 0; i-- {
		if err := fd.resource(dir, k.Components[i], local, sc); err != nil {
			return err
		}
	}
	for _, r := range append(append([]string(nil), k.Resources...), k.Bases...) {
		if err := fd.resource(dir, r, local, sc); err != nil {
			return err
		}
	}
	return nil
}

func unique(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

func fileExists(fsys fs.FS, p string) bool {
	st, err := fs.Stat(fsys, p)
	return err == nil && st.Mode().IsRegular()
}

// resource follows one entry of resources: (or components:): a file, or a folder with its own
// kustomization. Remote entries are left out: the folder would not render.
func (fd *finder) resource(dir, ref, local string, sc scope) error {
	p := path.Join(dir, ref)
	if strings.Contains(ref, "://") || path.IsAbs(ref) || p == ".." || strings.HasPrefix(p, "../") {
		return nil
	}
	st, err := fs.Stat(fd.fsys, p)
	if err != nil {
		return nil
	}
	if st.IsDir() {
		return fd.visit(p, local, sc.nsFree)
	}
	f, err := fd.file(p)
	if err != nil {
		return err
	}
	inner := scope{names: []string{local}, nsFree: sc.nsFree}
	objects(f, func(root *yaml.Node, doc, item int) {
		if fd.isWorkload(root, inner, false) {
			fd.sites = append(fd.sites, site{kind: siteResource, file: p, doc: doc, item: item})
		}
	})
	return nil
}

// patch collects the sites of one patch of a kustomization.
func (fd *finder) patch(dir, kfile, where string, p types.Patch, sc scope, json6902 bool) error {
	if p.Target != nil && !fd.targets(p.Target, sc) {
		return nil
	}
	var f *yfile
	if p.Path != "" {
		var err error
		if f, err = fd.file(path.Join(dir, p.Path)); err != nil {
			return err
		}
	} else {
		var err error
		if f, err = parseYFile(kfile+" "+where, []byte(p.Patch)); err != nil {
			return err
		}
	}
	// A patch that is a list of operations is a JSON 6902 patch.
	if len(f.docs) > 0 && len(f.docs[0].Content) > 0 && f.docs[0].Content[0].Kind == yaml.SequenceNode || json6902 {
		if p.Target == nil {
			return nil
		}
		var ptrs [][]string
		for _, d := range f.docs {
			if len(d.Content) == 0 {
				continue
			}
			for _, o := range d.Content[0].Content {
				for _, k := range []string{"path", "from"} {
					if s := mapString(o, k); s != "" {
						ptrs = append(ptrs, parsePointer(s))
					}
				}
			}
		}
		what := "the JSON 6902 patch " + path.Join(dir, p.Path)
		if p.Path == "" {
			what = "an inline JSON 6902 patch in " + kfile + " (" + where + ")"
		}
		fd.sites = append(fd.sites, site{kind: siteBlocked, file: kfile, item: -1, why: what, pointers: ptrs})
		return nil
	}
	var found []site
	objects(f, func(root *yaml.Node, doc, item int) {
		if p.Target != nil || fd.isWorkload(root, sc, true) {
			if p.Path != "" {
				found = append(found, site{kind: sitePatch, file: f.path, doc: doc, item: item})
			} else {
				found = append(found, site{kind: siteBlocked, file: kfile, item: -1, inline: root,
					why: "an inline patch in " + kfile + " (" + where + ")"})
			}
		}
	})
	// Later documents of a patch file win over earlier ones.
	for i := len(found) - 1; i >= 0; i-- {
		fd.sites = append(fd.sites, found[i])
	}
	return nil
}

// targets reports whether a patch's target selects the workload.
func (fd *finder) targets(t *types.Selector, sc scope) bool {
	match := func(re, s string) bool {
		if re == "" {
			return true
		}
		r, err := regexp.Compile("^(?:" + re + ")$")
		return err == nil && r.MatchString(s)
	}
	if !match(t.Group, "apps") || !match(t.Version, "v1") || !match(t.Kind, fd.w.Kind) {
		return false
	}
	if t.Namespace != "" && !sc.nsFree && !match(t.Namespace, fd.w.Namespace) {
		return false
	}
	named := t.Name == ""
	for _, n := range sc.names {
		named = named || match(t.Name, n)
	}
	if !named {
		return false
	}
	for _, c := range []struct {
		sel string
		set map[string]string
	}{{t.LabelSelector, fd.obj.GetLabels()}, {t.AnnotationSelector, fd.obj.GetAnnotations()}} {
		if c.sel == "" {
			continue
		}
		s, err := labels.Parse(c.sel)
		if err != nil || !s.Matches(labels.Set(c.set)) {
			return false
		}
	}
	return true
}
