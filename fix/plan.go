package fix

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/pkg/util"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	rsync "github.com/rigel-gitops/rigel/sync"
)

// Plan finds the workload's definition in folder of fsys (a repository tree at one commit,
// slash-separated paths relative to its root) and returns the files the edits rewrite, sorted
// by path. Edits that change nothing yield no Change; Plan returns an empty slice when nothing
// changes. A workload that is not in the folder, or an edit that cannot be placed, is a
// *PlaceError; a bad value, or an edit naming no container when the workload has several, is
// a *fault.Invalid.
//
// In a plain folder the edit lands in the document that defines the workload. In a
// kustomization it lands where the value comes from: the images: or replicas: entry, or the
// patch, that sets it, else the resource file that defines the workload (following resources:
// into other folders of the repository). Plan builds the folder before and after the edit and
// refuses (a *PlaceError) when the build does not change exactly as the edits say.
func Plan(fsys fs.FS, folder string, w kube.WorkloadRef, edits []Edit) ([]Change, error) {
	return PlanWith(fsys, folder, w, edits, rsync.RenderOptions{})
}

// PlanWith is Plan with the options a deployment renders its folder with. A folder holding a
// Helm chart is rendered with opts (its release, namespace, values files and set-files) and
// the edit lands in the values file that sets the value the workload's template maps from
// values (chart.go): the last of the chart's values.yaml and opts.Chart.Values that sets the
// key, else values.yaml. A value the template does not map directly from one values key is a
// *PlaceError, and nothing is proposed.
func PlanWith(fsys fs.FS, folder string, w kube.WorkloadRef, edits []Edit, opts rsync.RenderOptions) ([]Change, error) {
	if isPatch(edits) { // a model's patch (model_edits_patch.go)
		return planPatch(fsys, folder, w, edits, opts)
	}
	if rsync.IsChart(fsys, folder) {
		return planChart(fsys, folder, w, edits, opts)
	}
	r, err := findEdits(fsys, folder, w, edits, rsync.RenderOptions{}, "build folder", "defined in folder")
	if err != nil || len(r.ops) == 0 {
		return r.none(err)
	}
	before, obj, source, t, ops := r.before, r.obj, r.source, r.typed, r.ops

	p, err := newPlanner(fsys, folder, w, obj, source)
	if err != nil {
		return nil, err
	}
	p.imageNames(t, ops)
	for _, o := range ops {
		if err := p.place(o); err != nil {
			return nil, err
		}
	}
	want, _ := toTyped(obj)
	expect(want, ops)
	if err := verify(fsys, folder, before, w, want, ops, p.edited, opts); err != nil {
		return nil, err
	}
	return p.changes(), nil
}

// newPlanner finds the sites of workload w (obj as folder builds it, from file source in a
// plain folder) in the folder's files: a kustomization's, or the plain file's document.
func newPlanner(fsys fs.FS, folder string, w kube.WorkloadRef, obj *unstructured.Unstructured, source string) (*planner, error) {
	dir := path.Clean(folder)
	if dir == "" {
		dir = "."
	}
	p := &planner{edited: map[string][]byte{}, notes: map[string][]string{},
		finder: finder{fsys: fsys, w: w, obj: obj, files: map[string]*yfile{}, seen: map[string]bool{}}}
	var err error
	if kustomizationIn(fsys, dir) != "" {
		err = p.visit(dir, w.Name, false)
	} else {
		err = p.plainSites(source)
	}
	if err != nil {
		return nil, err
	}
	if !p.hasResource() {
		return nil, placeErrorf("%s is built by folder `%s`, but no file there or in its bases defines it: it comes from a generator, a component or a remote base, which Rigel cannot edit", workloadTitle(w), folder)
	}
	return p, nil
}

// findRendered returns the workload among rendered objects and the file it came from ("" for
// a kustomize build). A document in the workload's namespace is preferred to one without.
func findRendered(objs []rsync.Object, w kube.WorkloadRef) (*unstructured.Unstructured, string) {
	var bare *rsync.Object
	for i, o := range objs {
		gvk := o.Obj.GroupVersionKind()
		if gvk.Group != "apps" || gvk.Kind != w.Kind || o.Obj.GetName() != w.Name {
			continue
		}
		switch o.Obj.GetNamespace() {
		case w.Namespace:
			return o.Obj, o.Source
		case "":
			bare = &objs[i]
		}
	}
	if bare != nil {
		return bare.Obj, bare.Source
	}
	return nil, ""
}

// definedList says which workloads a folder defines, for a message.
func definedList(objs []rsync.Object) string {
	var ws []string
	for _, o := range objs {
		if _, ok := kube.WorkloadKind(o.Obj.GetKind()); ok && o.Obj.GroupVersionKind().Group == "apps" {
			ns := o.Obj.GetNamespace()
			if ns == "" {
				ns = "no namespace"
			}
			ws = append(ws, fmt.Sprintf("%s `%s` (%s)", o.Obj.GetKind(), o.Obj.GetName(), ns))
		}
	}
	if len(ws) == 0 {
		return ": it defines no Deployment, StatefulSet or DaemonSet"
	}
	return ": it defines " + strings.Join(ws, ", ")
}

// planner places ops in the files of a folder.
type planner struct {
	finder
	edited map[string][]byte   // file → its content so far
	notes  map[string][]string // file → notes
	images map[string]map[string]bool
}

func (p *planner) hasResource() bool {
	for _, s := range p.sites {
		if s.kind == siteResource {
			return true
		}
	}
	return false
}

// current parses a file as edited so far.
func (p *planner) current(file string) (*yfile, error) {
	if data, ok := p.edited[file]; ok {
		return parseYFile(file, data)
	}
	return p.file(file)
}

// rootOf returns a site's node in the current content of its file.
func (p *planner) rootOf(s site) (*yfile, *yaml.Node, error) {
	f, err := p.current(s.file)
	if err != nil {
		return nil, nil, err
	}
	n, err := s.root(f)
	if err != nil {
		return nil, nil, err
	}
	return f, n, nil
}

// set sets path under a site to value.
func (p *planner) set(s site, path []step, value string, k valueKind) error {
	f, root, err := p.rootOf(s)
	if err != nil {
		return err
	}
	data, err := f.setScalar(root, path, value, k, len(path) == 2 && path[0].key == "spec" && path[1].key == "replicas")
	if err != nil {
		return err
	}
	p.edited[s.file] = data
	return nil
}

func (p *planner) unset(s site, key string) error {
	f, root, err := p.rootOf(s)
	if err != nil {
		return err
	}
	data, err := f.deleteKey(root, key)
	if err != nil {
		return err
	}
	p.edited[s.file] = data
	return nil
}

// imageNames gathers, for each container an image op changes, the image names (without tag or
// digest) its image has on the way through the folder: in the documents, after the build, and
// as images: entries rename it. An images: entry with one of these names sets the image.
func (p *planner) imageNames(t *typed, ops []op) {
	p.images = map[string]map[string]bool{}
	for _, o := range ops {
		if o.edit.Field != FieldImage {
			continue
		}
		names := map[string]bool{imageName(t.container(o.container).Image): true}
		for _, s := range p.sites {
			if s.kind != siteResource && s.kind != sitePatch {
				continue
			}
			if _, root, err := p.rootOf(s); err == nil {
				if img := mapStringPath(root, join(containerPath(o.container), keyPath("image"))); img != "" {
					names[imageName(img)] = true
				}
			}
		}
		for changed := true; changed; {
			changed = false
			for _, s := range p.sites {
				if s.kind != siteImages || !names[s.name] {
					continue
				}
				if _, root, err := p.rootOf(s); err == nil {
					if nn := mapString(root, "newName"); nn != "" && !names[nn] {
						names[nn], changed = true, true
					}
				}
			}
		}
		p.images[o.container] = names
	}
}

func imageName(image string) string {
	n, _, _ := util.SplitImageName(image)
	return n
}

func mapStringPath(root *yaml.Node, path []step) string {
	t := walk(root, path)
	if t.found() != len(path) || t.nodes[len(t.nodes)-1].Kind != yaml.ScalarNode {
		return ""
	}
	return t.nodes[len(t.nodes)-1].Value
}

// place makes one op in the site with the highest precedence that sets its value, else where
// the workload (or the container) is defined.
func (p *planner) place(o op) error {
	for _, s := range p.sites {
		switch s.kind {
		case siteImages:
			if o.edit.Field == FieldImage && p.images[o.container][s.name] {
				return p.note(s, o, p.setImage(s, o.value))
			}
		case siteReplicas:
			if o.edit.Field == FieldReplicas {
				return p.note(s, o, p.set(s, keyPath("count"), o.value, kindInt))
			}
		case siteBlocked:
			if s.touches(o.path) {
				return placeErrorf("%s: %s sets it, and Rigel cannot edit that patch; change it there by hand", o.edit, s.why)
			}
		default:
			_, root, err := p.rootOf(s)
			if err != nil {
				return err
			}
			if has(root, o.path) {
				return p.note(s, o, p.set(s, o.path, o.value, o.kind))
			}
		}
	}
	// Nothing sets it yet: add it where the container (or the spec) is defined, the resource
	// before the patches.
	for i := len(p.sites) - 1; i >= 0; i-- {
		s := p.sites[i]
		if s.kind != siteResource && s.kind != sitePatch {
			continue
		}
		_, root, err := p.rootOf(s)
		if err != nil {
			return err
		}
		if has(root, o.path[:o.anchor]) {
			return p.note(s, o, p.set(s, o.path, o.value, o.kind))
		}
	}
	return placeErrorf("%s: Rigel cannot find where %s is defined in the folder's files", o.edit, pathString(o.path[:o.anchor]))
}

func (p *planner) note(s site, o op, err error) error {
	if err == nil && o.note != "" {
		p.notes[s.file] = append(p.notes[s.file], o.note)
	}
	return err
}

// setImage edits an images: entry so that it gives image.
func (p *planner) setImage(s site, image string) error {
	name, tag, digest := util.SplitImageName(image)
	_, root, err := p.rootOf(s)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("the images entry `%s` in %s", s.name, s.file)
	if tag != "" && digest != "" {
		return placeErrorf("%s can pin a tag or a digest, not both: give `image=%s:%s` or `image=%s@%s`", where, name, tag, name, digest)
	}
	if _, v := mapGet(root, "tagSuffix"); v != nil {
		return placeErrorf("%s has a tagSuffix, which Rigel does not edit; change it there by hand", where)
	}
	if _, v := mapGet(root, "newName"); v != nil || name != s.name {
		if err := p.set(s, keyPath("newName"), name, kindString); err != nil {
			return err
		}
	}
	steps := []func() error{}
	switch {
	case tag != "":
		steps = append(steps, func() error { return p.set(s, keyPath("newTag"), tag, kindString) }, func() error { return p.unset(s, "digest") })
	case digest != "":
		steps = append(steps, func() error { return p.set(s, keyPath("digest"), digest, kindString) }, func() error { return p.unset(s, "newTag") })
	default:
		steps = append(steps, func() error { return p.unset(s, "newTag") }, func() error { return p.unset(s, "digest") })
	}
	for _, st := range steps {
		if err := st(); err != nil {
			return err
		}
	}
	return nil
}

// changes returns the files that differ, sorted by path.
func (p *planner) changes() []Change {
	out := []Change{}
	for file, data := range p.edited {
		orig := p.files[file]
		if orig == nil || bytes.Equal(orig.data, data) {
			continue
		}
		out = append(out, Change{Path: file, Before: orig.data, After: data, Notes: p.notes[file]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// rendered is what Plan and planChart start from: the folder rendered before the edit, the
// workload's object in it and the file it comes from, its typed form, and the operations the
// edits make on it.
type rendered struct {
	before []rsync.Object
	obj    *unstructured.Unstructured
	source string
	typed  *typed
	ops    []op
}

// findEdits renders folder with opts (how names the render in a refusal: "build folder",
// "render chart"; where says where the workload is missing: "defined in folder"), finds w in
// it and turns edits into operations on it.
func findEdits(fsys fs.FS, folder string, w kube.WorkloadRef, edits []Edit, opts rsync.RenderOptions, how, where string) (*rendered, error) {
	before, err := rsync.RenderWith(context.Background(), fsys, folder, opts)
	if err != nil {
		return nil, &PlaceError{Msg: fmt.Sprintf("Rigel cannot %s `%s` to find %s: %s", how, folder, workloadTitle(w), untrusted.MarkdownText(err.Error())), Err: err}
	}
	obj, source := findRendered(before, w)
	if obj == nil {
		return nil, placeErrorf("%s (namespace `%s`) is not %s `%s`%s", workloadTitle(w), w.Namespace, where, folder, definedList(before))
	}
	t, err := toTyped(obj)
	if err != nil {
		return nil, err
	}
	r := &rendered{before: before, obj: obj, source: source, typed: t}
	for _, e := range edits {
		o, err := opsOf(w, t, e)
		if err != nil {
			return nil, err
		}
		r.ops = append(r.ops, o...)
	}
	return r, nil
}

// none is the answer of a plan that stops after findEdits: its error, or no change at all.
func (r *rendered) none(err error) ([]Change, error) {
	if err != nil {
		return nil, err
	}
	return []Change{}, nil
}
