package sync

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	gosync "sync"
	"testing/fstest"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// A chart's templates are code from the repository: Helm's engine runs them without a bound
// on time or memory (`until 1000000000` allocates 8 GB) and cannot be stopped. So a chart is
// rendered in a child process, the running binary started again with chartChildEnv set: it
// gets the files the chart reads (checked and bounded here first), renders them with
// renderChartHere, and sends back the objects or the error. The child is killed when ctx is
// done, and stops itself when it maps more than MaxChartRenderMemory. Children count among
// MaxConcurrentBuilds.

// MaxChartRenderMemory bounds the memory of the process rendering one chart.
const MaxChartRenderMemory = 1 << 30 // room for MaxRenderedBytes of YAML decoded

// chartChildEnv, set to "1", makes the process a chart render child (see init).
const chartChildEnv = "RIGEL_HELM_RENDER_CHILD"

// exitMemory is the exit code of a child over MaxChartRenderMemory.
const exitMemory = 86

func init() {
	if os.Getenv(chartChildEnv) == "1" {
		os.Exit(chartChild(os.Stdin, os.Stdout))
	}
}

// isolateCharts turns the child process off (tests compare both ways).
var isolateCharts = true

var childExe = gosync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return exe
})

// chartChildExe is the binary to start as a child, "" to render in this process.
func chartChildExe() string {
	if !isolateCharts {
		return ""
	}
	return childExe()
}

// childRequest is what a child renders.
type childRequest struct {
	Files map[string][]byte
	Dir   string
	Opts  RenderOptions
	// Inputs: the render is for Inputs (a remote dependency is left out, see chartLoader.remote).
	Inputs bool
}

// childObject is one rendered object, as JSON.
type childObject struct {
	JSON   []byte
	Source string
}

// childResult is what a child answers: objects, or an error keeping its type.
type childResult struct {
	Objects  []childObject
	Parse    *ParseError
	Hermetic *HermeticError
	Path     *PathError
	Err      string
}

func (r *childResult) err() error {
	switch {
	case r.Parse != nil:
		return r.Parse
	case r.Hermetic != nil:
		return r.Hermetic
	case r.Path != nil:
		return r.Path
	case r.Err != "":
		return errors.New(r.Err)
	}
	return nil
}

// renderChartChild loads the chart here (so that what it reads is checked and bounded by
// this process), then renders it in a child process.
func renderChartChild(ctx context.Context, exe string, fsys fs.FS, dir string, opts RenderOptions, rec *reads) ([]Object, error) {
	set := ChartSettings{}
	if opts.Chart != nil {
		set = *opts.Chart
	}
	ld := &chartLoader{fsys: fsys, ctx: ctx, rec: rec, keep: map[string][]byte{}, repos: opts.Repos, inputs: rec != nil}
	if _, err := ld.load(dir, 0); err != nil {
		return nil, chartFailure(ctx, dir, err)
	}
	if _, err := ld.values(set); err != nil {
		return nil, chartFailure(ctx, dir, err)
	}
	var in bytes.Buffer
	opts.Repos = nil // the dependencies fetched are in ld.keep, as vendored: the child fetches nothing
	if err := gob.NewEncoder(&in).Encode(childRequest{Files: ld.keep, Dir: dir, Opts: opts, Inputs: rec != nil}); err != nil {
		return nil, fmt.Errorf("failed to render chart %s: %w", dir, err)
	}
	select {
	case buildSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, stoppedError(ctx, dir)
	}
	defer func() { <-buildSlots }()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = []string{chartChildEnv + "=1"}
	cmd.Stdin = &in
	var out bytes.Buffer
	stderr := &capped{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = &out, stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return nil, stoppedError(ctx, dir)
	case cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == exitMemory:
		return nil, fmt.Errorf("failed to render chart %s: its templates used more than %d MiB of memory and were stopped: look for a range over a large count (until, untilStep, seq) or a large repeat", dir, MaxChartRenderMemory>>20)
	case err != nil:
		return nil, fmt.Errorf("failed to render chart %s: the render process failed: %v: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var res childResult
	if err := gob.NewDecoder(&out).Decode(&res); err != nil {
		return nil, fmt.Errorf("failed to render chart %s: the render process answered badly: %w", dir, err)
	}
	if err := res.err(); err != nil {
		return nil, err
	}
	objs := make([]Object, 0, len(res.Objects))
	for _, o := range res.Objects {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(o.JSON); err != nil {
			return nil, fmt.Errorf("failed to render chart %s: the render process answered badly: %w", dir, err)
		}
		objs = append(objs, Object{Obj: u, Source: o.Source})
	}
	return objs, nil
}

// capped keeps the first max bytes written to it.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// chartChild is the child process: it renders the request read from in and writes the
// result to out. It exits with exitMemory when it maps more than MaxChartRenderMemory.
func chartChild(in io.Reader, out io.Writer) int {
	debug.SetMemoryLimit(MaxChartRenderMemory / 2)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		for {
			metrics.Read(s)
			if s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() > MaxChartRenderMemory {
				os.Exit(exitMemory)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var req childRequest
	if err := gob.NewDecoder(in).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "bad request:", err)
		return 2
	}
	fsys := fstest.MapFS{}
	for p, data := range req.Files {
		fsys[p] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	ctx, cancel := context.WithTimeout(context.Background(), MaxRenderTime)
	defer cancel()
	var res childResult
	objs, err := renderChartHere(ctx, fsys, req.Dir, req.Opts, nil, req.Inputs)
	var pe *ParseError
	var he *HermeticError
	var pa *PathError
	switch {
	case errors.As(err, &pe):
		res.Parse = pe
	case errors.As(err, &he):
		res.Hermetic = he
	case errors.As(err, &pa):
		res.Path = pa
	case err != nil:
		res.Err = err.Error()
	}
	for _, o := range objs {
		js, err := o.Obj.MarshalJSON()
		if err != nil {
			res = childResult{Err: fmt.Sprintf("failed to encode %s: %v", RefOf(o.Obj), err)}
			break
		}
		res.Objects = append(res.Objects, childObject{JSON: js, Source: o.Source})
	}
	if err := gob.NewEncoder(out).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "failed to answer:", err)
		return 2
	}
	return 0
}
