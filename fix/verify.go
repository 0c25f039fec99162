package fix

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	rsync "github.com/rigel-gitops/rigel/sync"
)

// verify builds the folder with the edited files and checks that the build changes exactly as
// the ops say: the workload becomes want, every other object stays as it was.
func verify(fsys fs.FS, folder string, before []rsync.Object, w kube.WorkloadRef, want *typed, ops []op, edited map[string][]byte, opts rsync.RenderOptions) error {
	after, err := rsync.RenderWith(context.Background(), overlay{FS: fsys, files: edited}, folder, opts)
	if err != nil {
		return &PlaceError{Msg: fmt.Sprintf("after the edit, folder `%s` no longer builds, so Rigel leaves it alone: %s", folder, untrusted.MarkdownText(err.Error())), Err: err}
	}
	obj, _ := findRendered(after, w)
	if obj == nil {
		return placeErrorf("after the edit, folder `%s` no longer builds %s, so Rigel leaves it alone", folder, workloadTitle(w))
	}
	got, err := toTyped(obj)
	if err != nil {
		return err
	}
	for _, o := range ops {
		if msg := missed(got, o); msg != "" {
			what := "a transformer, a replacement or a component Rigel does not edit"
			if opts.Chart != nil || rsync.IsChart(fsys, folder) {
				what = "a template, a set-file or a values file Rigel did not trace"
			}
			return placeErrorf("%s does not take effect: after editing the folder's files it still builds %s %s. Something else in folder `%s` sets it (%s); change it there by hand", o.edit, workloadTitle(w), msg, folder, what)
		}
	}
	sortEnv(want)
	sortEnv(got)
	if !apiequality.Semantic.DeepEqual(want.obj, got.obj) {
		return placeErrorf("editing the files for %s would change more of %s than asked (an images entry or patch shared with another container?), so Rigel leaves it alone; change it by hand", editList(ops), workloadTitle(w))
	}
	if len(after) != len(before) {
		return placeErrorf("editing the files for %s would change which objects folder `%s` builds, so Rigel leaves it alone", editList(ops), folder)
	}
	wantObj, _ := findRendered(before, w)
	for i := range before {
		b, a := before[i].Obj, after[i].Obj
		if b == wantObj {
			continue
		}
		if !reflect.DeepEqual(b.Object, a.Object) {
			return placeErrorf("editing the files for %s would also change %s %s, so Rigel leaves it alone; change it by hand", editList(ops), untrusted.MarkdownText(a.GetKind()), untrusted.MarkdownCode(a.GetName()))
		}
	}
	return nil
}

// missed says how the built workload differs from what op sets, or "".
func missed(got *typed, o op) string {
	if o.edit.Field == FieldReplicas {
		if *got.replicas == nil || fmt.Sprint(**got.replicas) != o.value {
			return "with other replicas"
		}
		return ""
	}
	probe := &typed{template: got.template.DeepCopy()}
	if o.edit.Field == FieldRef && o.container == "" { // a volume's reference
		expect(probe, []op{o})
		if !apiequality.Semantic.DeepEqual(got.template.Spec.Volumes, probe.template.Spec.Volumes) {
			return "with another volume " + o.edit.Key
		}
		return ""
	}
	c := got.container(o.container)
	if c == nil {
		return fmt.Sprintf("without container `%s`", o.container)
	}
	before := c.DeepCopy()
	expect(probe, []op{o})
	after := probe.container(o.container)
	if apiequality.Semantic.DeepEqual(before, after) {
		return ""
	}
	switch o.edit.Field {
	case FieldImage:
		return fmt.Sprintf("with image `%s`", c.Image)
	case FieldMemory, FieldCPU:
		return fmt.Sprintf("with resources %v", c.Resources)
	}
	return "with another value"
}

func editList(ops []op) string {
	var out []string
	seen := map[string]bool{}
	for _, o := range ops {
		if s := o.edit.String(); !seen[s] {
			seen[s] = true
			out = append(out, "`"+s+"`")
		}
	}
	return strings.Join(out, ", ")
}

// overlay is a file system with some files' content replaced.
type overlay struct {
	fs.FS
	files map[string][]byte
}

func (o overlay) Open(name string) (fs.File, error) {
	if data, ok := o.files[name]; ok {
		return &memFile{Reader: bytes.NewReader(data), name: path.Base(name), size: int64(len(data))}, nil
	}
	return o.FS.Open(name)
}

type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Size() int64                { return f.size }
func (f *memFile) Mode() fs.FileMode          { return 0o644 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }

var _ io.Reader = (*memFile)(nil)
