package fix

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	rsync "github.com/rigel-gitops/rigel/sync"
)

// A fix on a chart deployment (issue 13): the edit lands in the values file that sets the
// value the workload's template maps directly (chart_trace.go), the last in the deployment's
// order that sets it, else the chart's values.yaml; the chart is rendered again with the
// edited files and must change exactly as asked.

// ChartValuesFile is the values file of a chart folder that Helm always reads first.
const ChartValuesFile = "values.yaml"

// planChart is Plan for a folder holding a Helm chart, rendered with opts.
func planChart(fsys fs.FS, folder string, w kube.WorkloadRef, edits []Edit, opts rsync.RenderOptions) ([]Change, error) {
	r, err := findEdits(fsys, folder, w, edits, opts, "render chart", "rendered by chart")
	if err != nil || len(r.ops) == 0 {
		return r.none(err)
	}
	before, obj, source, t, ops := r.before, r.obj, r.source, r.typed, r.ops
	dir := path.Clean(folder)
	if rest, ok := strings.CutPrefix(source, path.Join(dir, "templates")+"/"); !ok || rest == "" {
		return nil, placeErrorf("%s is rendered from %s, not from a template of chart `%s` itself (a subchart or a dependency): Rigel edits only the values of the chart the deployment renders; set it by hand", workloadTitle(w), untrusted.MarkdownCode(source), folder)
	}
	data, err := readBounded(fsys, source)
	if err != nil {
		return nil, err
	}
	c := &chartFix{
		planner: planner{edited: map[string][]byte{}, notes: map[string][]string{},
			finder: finder{fsys: fsys, w: w, obj: obj, files: map[string]*yfile{}, seen: map[string]bool{}}},
		opts: opts, folder: dir, template: source, maps: traceTemplate(string(data)), container: t,
		lines: strings.Split(string(data), "\n"),
	}
	c.valuesFiles(fsys, opts)
	if len(c.order) == 0 {
		return nil, placeErrorf("chart `%s` has no values file (%s) and the deployment names none: Rigel has no file to edit; add a values file", folder, ChartValuesFile)
	}
	if opts.Chart != nil {
		c.setFiles = opts.Chart.SetFiles
	}
	// Renames first, each verified as placed: a rename that cannot be is told apart (chart_ref.go).
	slices.SortStableFunc(ops, func(a, b op) int { return isRef(b) - isRef(a) })
	for i, o := range ops {
		if err := c.place(o); err != nil {
			return nil, err
		}
		if isRef(o) == 1 {
			if err := c.verifyRefs(before, obj, ops[:i+1]); err != nil {
				return nil, err
			}
		}
	}
	want, _ := toTyped(obj)
	expect(want, ops)
	if err := verify(fsys, folder, before, w, want, ops, c.edited, opts); err != nil {
		return nil, err
	}
	return c.changes(), nil
}

// readBounded reads a file of fsys no bigger than rsync.MaxFileBytes.
func readBounded(fsys fs.FS, p string) ([]byte, error) {
	st, err := fs.Stat(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", p, err)
	}
	if st.Size() > rsync.MaxFileBytes {
		return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d", p, st.Size(), rsync.MaxFileBytes)
	}
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", p, err)
	}
	return data, nil
}

// chartFix places ops in the values files of a chart.
type chartFix struct {
	planner   // its finder's fsys and w are the repository tree and the workload
	opts      rsync.RenderOptions
	folder    string
	template  string         // the repository path of the workload's template
	maps      []valueMapping // what the template maps from values
	lines     []string       // the template's lines
	refKeys   []string       // the values keys the last rename's template line maps (chart_ref.go)
	container *typed         // the workload as rendered before the edit
	order     []string       // the values files in the order Helm merges them (repository paths)
	setFiles  map[string]string
}

// valuesFiles sets the order of the values files: the chart's values.yaml, then the
// deployment's values files (repository paths), later ones winning.
func (c *chartFix) valuesFiles(fsys fs.FS, opts rsync.RenderOptions) {
	if def := path.Join(c.folder, ChartValuesFile); fileExists(fsys, def) {
		c.order = append(c.order, def)
	}
	if opts.Chart != nil {
		for _, v := range opts.Chart.Values {
			if v != "" && (len(c.order) == 0 || v != c.order[0]) {
				c.order = append(c.order, v)
			}
		}
	}
}

// root returns the top mapping of a values file as edited so far.
func (c *chartFix) root(file string) (*yfile, *yaml.Node, error) {
	f, err := c.current(file)
	if err != nil {
		return nil, nil, err
	}
	if len(f.docs) == 0 || len(f.docs[0].Content) == 0 || f.docs[0].Content[0].Kind != yaml.MappingNode {
		return f, nil, nil
	}
	return f, f.docs[0].Content[0], nil
}

// owner returns the values file that sets key (the last in order), or "".
func (c *chartFix) owner(key []string) (string, *yaml.Node, error) {
	for i := len(c.order) - 1; i >= 0; i-- {
		_, root, err := c.root(c.order[i])
		if err != nil {
			return "", nil, err
		}
		if root == nil {
			continue
		}
		if t := walk(root, keyPath(key...)); t.found() == len(key) {
			return c.order[i], t.nodes[len(t.nodes)-1], nil
		}
	}
	return "", nil, nil
}

// current returns the value a values key has (the last file that sets it), "" and false when
// none sets it or it is not a scalar.
func (c *chartFix) currentValue(key []string) (string, bool) {
	if c.fromSetFile(key) != "" {
		return "", false
	}
	_, n, err := c.owner(key)
	if err != nil || n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, true
}

// fromSetFile returns the set-file key that sets key, a parent or a child of it, or "".
func (c *chartFix) fromSetFile(key []string) string {
	dotted := strings.Join(key, ".")
	for sk := range c.setFiles {
		if sk == dotted || strings.HasPrefix(sk, dotted+".") || strings.HasPrefix(dotted, sk+".") {
			return sk
		}
	}
	return ""
}

// setValue sets a values key: in the last values file that sets it, else in the first (the
// chart's values.yaml). A key that a --set-file sets, or a parent of one, is refused.
func (c *chartFix) setValue(o op, key []string, value string, k valueKind) error {
	dotted := strings.Join(key, ".")
	if sk := c.fromSetFile(key); sk != "" {
		return placeErrorf("%s: values key %s comes from the set-file %s of the deployment (file %s), which Rigel does not edit; change it there by hand", o.edit, untrusted.MarkdownCode(dotted), untrusted.MarkdownCode(sk), untrusted.MarkdownCode(c.setFiles[sk]))
	}
	file, _, err := c.owner(key)
	if err != nil {
		return err
	}
	why := fmt.Sprintf("%s sets values key %s: the last of the chart's values files in the deployment's order (%s) that sets it.", untrusted.MarkdownCode(file), untrusted.MarkdownCode(dotted), c.orderList())
	if file == "" {
		file = c.order[0]
		why = fmt.Sprintf("No values file of the deployment (%s) sets values key %s: it is added to %s.", c.orderList(), untrusted.MarkdownCode(dotted), untrusted.MarkdownCode(file))
	}
	f, root, err := c.root(file)
	if err != nil {
		return err
	}
	if root == nil {
		return placeErrorf("%s: values key %s is set nowhere, and %s holds no mapping to add it to; add it by hand", o.edit, untrusted.MarkdownCode(dotted), untrusted.MarkdownCode(file))
	}
	data, err := f.setScalar(root, keyPath(key...), value, k, false)
	if err != nil {
		return err
	}
	c.edited[file] = data
	for _, n := range []string{why, o.note} {
		if n != "" && !slices.Contains(c.notes[file], n) {
			c.notes[file] = append(c.notes[file], n)
		}
	}
	return nil
}

// orderList names the values files in order, for a note.
func (c *chartFix) orderList() string {
	return quoteList(c.order)
}

// untraceable is the refusal of an edit whose value Rigel cannot follow to one values key.
func (c *chartFix) untraceable(o op, why string) error {
	return placeErrorf("%s: %s, so Rigel cannot trace it to one values key of chart `%s` and proposes nothing; change it by hand", o.edit, why, c.folder)
}

// maxTrials bounds the renders that tell which of several mappings gives a container's value.
const maxTrials = 4

// place makes one op in the values files. When the template maps the field from several
// values keys (one per container), the one whose edit changes the op's container as asked,
// and no other, is taken (a render per candidate).
func (c *chartFix) place(o op) error {
	if o.edit.Field == FieldRef {
		return c.placeRef(o) // chart_ref.go
	}
	key, block := map[string]string{FieldReplicas: "replicas", FieldImage: "image", FieldMemory: "resources", FieldCPU: "resources"}[o.edit.Field], o.edit.Field == FieldMemory || o.edit.Field == FieldCPU
	if key == "" {
		return placeErrorf("%s: on a chart, Rigel traces only `image`, `memory`, `cpu` and `replicas` to the chart's values, not %s, and proposes nothing; change it by hand in the chart's values or templates", o.edit, untrusted.MarkdownCode(o.edit.Field))
	}
	found, err := c.candidates(o, key, block)
	if err != nil {
		return err
	}
	if len(found) == 1 {
		return c.placeBy(o, found[0])
	}
	edited, notes := maps.Clone(c.edited), maps.Clone(c.notes)
	var fits []*valueMapping
	var keep map[string][]byte
	var keepNotes map[string][]string
	for _, m := range found[:min(len(found), maxTrials)] {
		c.edited, c.notes = maps.Clone(edited), maps.Clone(notes)
		if c.placeBy(o, m) == nil && c.takes(o) {
			fits = append(fits, m)
			keep, keepNotes = c.edited, c.notes
		}
	}
	c.edited, c.notes = edited, notes
	if len(fits) != 1 {
		return c.untraceable(o, fmt.Sprintf("%s maps `%s` from several values keys (lines %d and %d) and Rigel cannot tell which one is container %s's", untrusted.MarkdownCode(c.template), key, found[0].line, found[1].line, untrusted.MarkdownCode(o.container)))
	}
	c.edited, c.notes = keep, keepNotes
	return nil
}

// takes reports whether the chart, rendered with the files as edited so far, gives op's
// container the op's value and leaves the workload's other containers as they were.
func (c *chartFix) takes(o op) bool {
	got := c.renderWith(c.edited)
	if got == nil || missed(got, o) != "" {
		return false
	}
	for _, was := range c.container.template.Spec.Containers {
		now := got.container(was.Name)
		if was.Name != o.container && (now == nil || !apiequality.Semantic.DeepEqual(&was, now)) {
			return false
		}
	}
	return true
}

// renderWith renders the chart with files (path → content) in place of the repository's and
// returns the workload, nil when the chart does not render it.
func (c *chartFix) renderWith(files map[string][]byte) *typed {
	after, err := rsync.RenderWith(context.Background(), overlay{FS: c.fsys, files: files}, c.folder, c.opts)
	if err != nil {
		return nil
	}
	obj, _ := findRendered(after, c.w)
	if obj == nil {
		return nil
	}
	t, err := toTyped(obj)
	if err != nil {
		return nil
	}
	return t
}

// placeBy makes one op through a mapping of the template.
func (c *chartFix) placeBy(o op, m *valueMapping) error {
	tmpl := untrusted.MarkdownCode(c.template)
	switch o.edit.Field {
	case FieldReplicas:
		if len(m.parts) != 1 || m.parts[0].ref == nil {
			return c.untraceable(o, fmt.Sprintf("`replicas` in %s line %d is not one values key", tmpl, m.line))
		}
		return c.setValue(o, m.parts[0].ref, o.value, kindInt)
	case FieldImage:
		return c.setImage(o, m)
	}
	list := o.path[len(o.path)-2].key // limits or requests
	return c.setValue(o, append(append([]string(nil), m.parts[0].ref...), list, o.edit.Field), o.value, kindQuantity)
}

// candidates are the mappings of key in the template that may give the op's value, one per
// set of values keys.
func (c *chartFix) candidates(o op, key string, block bool) ([]*valueMapping, error) {
	tmpl := untrusted.MarkdownCode(c.template)
	var found []*valueMapping
	var blocked *valueMapping
	for i := range c.maps {
		m := &c.maps[i]
		if m.key != key {
			continue
		}
		if m.why != "" {
			blocked = m
			continue
		}
		if m.block != block {
			continue
		}
		if key == "image" && !c.imageMatches(m, o) {
			continue
		}
		dup := false
		for _, f := range found {
			dup = dup || f.sameRefs(m)
		}
		if !dup {
			found = append(found, m)
		}
	}
	switch {
	case len(found) > 0:
		return found, nil
	case blocked != nil:
		return nil, c.untraceable(o, fmt.Sprintf("`%s` in %s line %d is %s", key, tmpl, blocked.line, blocked.why))
	}
	return nil, c.untraceable(o, fmt.Sprintf("%s does not map `%s` directly from a values key (like `%s`)", tmpl, key, map[string]string{
		"image": "image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"", "replicas": "replicas: {{ .Values.replicaCount }}",
		"resources": "resources: {{- toYaml .Values.resources | nindent 12 }}"}[key]))
}

// imageMatches reports whether an image mapping may give the container's current image: the
// values it reads, where all are set, join to it.
func (c *chartFix) imageMatches(m *valueMapping, o op) bool {
	cur := c.container.container(o.container)
	if cur == nil {
		return false
	}
	// A value set nowhere or empty may be replaced by a default: it matches anything, and
	// the verification tells.
	var b strings.Builder
	b.WriteString("^")
	for _, p := range m.parts {
		if p.ref == nil {
			b.WriteString(regexp.QuoteMeta(p.lit))
			continue
		}
		if v, ok := c.currentValue(p.ref); ok && v != "" {
			b.WriteString(regexp.QuoteMeta(v))
		} else {
			b.WriteString(".*")
		}
	}
	re, err := regexp.Compile(b.String() + "$")
	return err == nil && re.MatchString(cur.Image)
}

// setImage sets an image through its mapping: `{{ .Values.image }}`, or
// `{{ .Values.image.repository }}:{{ .Values.image.tag }}`.
func (c *chartFix) setImage(o op, m *valueMapping) error {
	tmpl := untrusted.MarkdownCode(c.template)
	switch {
	case len(m.parts) == 1 && m.parts[0].ref != nil:
		return c.setValue(o, m.parts[0].ref, o.value, kindString)
	case len(m.parts) == 3 && m.parts[0].ref != nil && m.parts[1].lit == ":" && m.parts[2].ref != nil:
		name, tag, digest := splitImage(o.value)
		if digest != "" || tag == "" {
			return placeErrorf("%s: %s line %d writes the image as `repository:tag` (values %s and %s), so give a tag, like `image=%s:1.2.3`", o.edit, tmpl, m.line,
				untrusted.MarkdownCode(strings.Join(m.parts[0].ref, ".")), untrusted.MarkdownCode(strings.Join(m.parts[2].ref, ".")), untrusted.MarkdownText(name))
		}
		if cur, ok := c.currentValue(m.parts[0].ref); !ok || cur != name {
			if err := c.setValue(o, m.parts[0].ref, name, kindString); err != nil {
				return err
			}
		}
		if cur, ok := c.currentValue(m.parts[2].ref); !ok || cur != tag {
			return c.setValue(o, m.parts[2].ref, tag, kindString)
		}
		return nil
	}
	return c.setImageParts(o, m)
}

// setImageParts sets an image through a mapping of several values and text, such as
// `{{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag }}`: the
// image is matched against that shape (each value the shortest that fits, none holding a
// digest) and each value that differs is set.
func (c *chartFix) setImageParts(o op, m *valueMapping) error {
	return c.setParts(o, m, "image", func(shape string) error {
		return placeErrorf("%s: %s line %d writes the image as %s, so give an image of that form", o.edit, untrusted.MarkdownCode(c.template), m.line, untrusted.MarkdownCode(shape))
	})
}

// setParts sets the op's value through a mapping of key from several values and text: the
// value is matched against that shape (each value the shortest that fits, none holding `@`)
// and each value that differs is set; a value that does not fit is misfit's error.
func (c *chartFix) setParts(o op, m *valueMapping, key string, misfit func(shape string) error) error {
	tmpl := untrusted.MarkdownCode(c.template)
	var re, shape strings.Builder
	re.WriteString("^")
	var refs [][]string
	prevRef := false
	for _, p := range m.parts {
		if p.ref == nil {
			re.WriteString(regexp.QuoteMeta(p.lit))
			shape.WriteString(p.lit)
			prevRef = false
			continue
		}
		if prevRef {
			return c.untraceable(o, fmt.Sprintf("`%s` in %s line %d joins two values with nothing between them", key, tmpl, m.line))
		}
		re.WriteString("([^@]+?)")
		shape.WriteString("<" + strings.Join(p.ref, ".") + ">")
		refs = append(refs, p.ref)
		prevRef = true
	}
	rx, err := regexp.Compile(re.String() + "$")
	if err != nil {
		return c.untraceable(o, fmt.Sprintf("`%s` in %s line %d is built from parts Rigel does not split a value into", key, tmpl, m.line))
	}
	got := rx.FindStringSubmatch(o.value)
	if got == nil {
		return misfit(shape.String())
	}
	for i, ref := range refs {
		if cur, ok := c.currentValue(ref); !ok || cur != got[i+1] {
			if err := c.setValue(o, ref, got[i+1], kindString); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitImage splits an image reference into its name, tag and digest.
func splitImage(image string) (name, tag, digest string) {
	name, digest, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, tag = name[:i], name[i+1:]
	}
	return name, tag, digest
}
