package sync

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// A chart's templates are code from the repository: Helm's engine runs them without a bound
// on time or memory (`until 1000000000` allocates 8 GB) and cannot be stopped. So a chart is
// rendered in a child process, the running binary started again with chartChildEnv set: it
// gets the files the chart reads (checked and bounded here first), renders them with
// renderChartHere, and sends back the objects or the error, in frames over its stdin and
// stdout (render_helm_child_frame.go). A child serves one render after another and is kept
// warm between them (render_helm_child_pool.go). The child is killed when a render's ctx is
// done, and stops itself when it maps more than MaxChartRenderMemory or a render runs longer
// than MaxRenderTime (a child whose parent is gone is bounded too). Children count among
// MaxConcurrentBuilds.

// MaxChartRenderMemory bounds the memory of the process rendering one chart.
const MaxChartRenderMemory = 1 << 30 // room for MaxRenderedBytes of YAML decoded

// chartChildEnv, set to "1", makes the process a chart render child (see init).
const chartChildEnv = "RIGEL_HELM_RENDER_CHILD"

// Exit codes of a child that stopped itself: over MaxChartRenderMemory, over MaxRenderTime.
const (
	exitMemory = 86
	exitTime   = 87
)

func init() {
	if os.Getenv(chartChildEnv) == "1" {
		// Frames go to the stdout the child was given; anything else printed goes to stderr.
		frames := os.Stdout
		os.Stdout = os.Stderr
		os.Exit(chartChild(os.Stdin, frames))
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
	// Retire: the child exits after this render when it then holds more bytes than this.
	Retire uint64
	// Jsonnet: evaluate these jsonnet files of Files instead of a chart (render_jsonnet.go).
	Jsonnet *jsonnetRequest
}

// childReply is a child's answer to a request.
type childReply struct {
	Result childResult
	// Retire: the child exits now instead of serving another render.
	Retire bool
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
// this process), then renders it in a render child of the pool (render_helm_child_pool.go).
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
	opts.Repos = nil // the dependencies fetched are in ld.keep, as vendored: the child fetches nothing
	req := childRequest{Files: ld.keep, Dir: dir, Opts: opts, Inputs: rec != nil, Retire: childRetireBytes}
	res, err := renderInSlot(ctx, exe, dir, &req)
	if err != nil {
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

// renderInSlot takes a build slot (renderInChild gives it back) and renders req in a child;
// the child's own error is returned as an error, keeping its type.
func renderInSlot(ctx context.Context, exe, dir string, req *childRequest) (*childResult, error) {
	select {
	case buildSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, stoppedError(ctx, dir)
	}
	res, err := renderInChild(ctx, exe, dir, req)
	if err != nil {
		return nil, err
	}
	return res, res.err()
}

// renderInChild sends req to a child of the pool and returns its answer. The caller holds a
// build slot; renderInChild gives it back once the child is idle again or has exited. A child
// that was reused and ended before it answered (it may have ended while idle) is replaced
// once by a new one; a new child's end is the render's error, naming the chart.
func renderInChild(ctx context.Context, exe, dir string, req *childRequest) (*childResult, error) {
	what, body := "chart "+dir, "its templates"
	if req.Jsonnet != nil {
		what, body = dir, "its jsonnet files"
	}
	for attempt := 0; ; attempt++ {
		c, err := renderChildren.get(exe)
		if err != nil {
			<-buildSlots
			return nil, fmt.Errorf("failed to render %s: %w", what, err)
		}
		c.stderr.reset()
		type answer struct {
			reply childReply
			sent  bool // the request was written
			err   error
		}
		done := make(chan answer, 1)
		go func() {
			var a answer
			if a.err = writeFrame(c.in, req); a.err == nil {
				a.sent = true
				a.err = readFrame(c.out, maxReplyFrame, &a.reply)
			}
			done <- a
		}()
		var a answer
		select {
		case a = <-done:
		case <-ctx.Done():
			c.kill() // its render cannot be stopped otherwise; the slot is free once it has exited
			go func() { <-c.exited; <-buildSlots }()
			return nil, stoppedError(ctx, dir)
		}
		if a.err == nil {
			c.served++
			if a.reply.Retire {
				c.retire()
				go func() { <-c.exited; <-buildSlots }()
			} else {
				renderChildren.put(c)
				<-buildSlots
			}
			return &a.reply.Result, nil
		}
		// No answer: the child ended, or answered what cannot be read (then it is stopped now).
		if a.sent && !errors.Is(a.err, io.EOF) && !errors.Is(a.err, io.ErrUnexpectedEOF) {
			c.kill()
		}
		state := c.ended(time.Second)
		code := state.ExitCode()
		switch {
		case ctx.Err() != nil:
			<-buildSlots
			return nil, stoppedError(ctx, dir)
		case code == exitMemory:
			<-buildSlots
			return nil, fmt.Errorf("failed to render %s: %s used more than %d MiB of memory and were stopped: look for a range over a large count (until, untilStep, seq, std.range) or a large repeat", what, body, MaxChartRenderMemory>>20)
		case code == exitTime:
			<-buildSlots
			return nil, fmt.Errorf("failed to render %s: %s ran for longer than %v and were stopped: look for a range over a large count", what, body, MaxRenderTime)
		case c.served > 0 && attempt == 0 && (!a.sent || errors.Is(a.err, io.EOF)):
			continue // a reused child that ended before it answered anything: once more, on a new one
		}
		<-buildSlots
		msg := c.stderr.String()
		if msg != "" {
			msg = ": " + lastLines(msg, 20)
		}
		return nil, fmt.Errorf("failed to render %s: the render process failed (%v) without answering (%v)%s", what, state, a.err, msg)
	}
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// chartChild is the child process: it renders each request read from in and writes the
// reply to out, until in ends or it retires. It exits with exitMemory when it maps more
// than MaxChartRenderMemory, with exitTime when one render runs longer than MaxRenderTime.
func chartChild(in io.Reader, out io.Writer) int {
	debug.SetMemoryLimit(MaxChartRenderMemory / 2)
	var busySince atomic.Int64 // unix nanoseconds a render started, 0 between renders
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		for {
			metrics.Read(s)
			if s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() > MaxChartRenderMemory {
				os.Exit(exitMemory)
			}
			if t := busySince.Load(); t != 0 && time.Since(time.Unix(0, t)) > MaxRenderTime+5*time.Second {
				os.Exit(exitTime) // the parent would have killed it: it is gone or stuck
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		var req childRequest
		switch err := readFrame(r, maxRequestFrame, &req); {
		case err == io.EOF:
			return 0 // the parent is done with this child
		case err != nil:
			fmt.Fprintln(os.Stderr, "bad request:", err)
			return 2
		}
		busySince.Store(time.Now().UnixNano())
		var reply childReply
		reply.Result, reply.Retire = renderRequest(&req)
		busySince.Store(0)
		reply.Retire = reply.Retire || heldBytes() > req.Retire
		if err := writeFrame(out, &reply); err != nil {
			fmt.Fprintln(os.Stderr, "failed to answer:", err)
			return 2
		}
		if reply.Retire {
			return 0
		}
	}
}

// renderRequest renders a child's request; stopped: the render ran out of time and may still
// run (Helm's engine cannot be stopped), so the child must not serve another.
func renderRequest(req *childRequest) (res childResult, stopped bool) {
	fsys := fstestFS(req.Files)
	ctx, cancel := context.WithTimeout(context.Background(), MaxRenderTime)
	defer cancel()
	var objs []Object
	var err error
	if j := req.Jsonnet; j != nil {
		objs, err = jsonnetChild(ctx, fsys, req.Dir, j)
	} else {
		objs, err = renderChartHere(ctx, fsys, req.Dir, req.Opts, nil, req.Inputs)
	}
	stopped = ctx.Err() != nil
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
			return childResult{Err: fmt.Sprintf("failed to encode %s: %v", RefOf(o.Obj), err)}, stopped
		}
		res.Objects = append(res.Objects, childObject{JSON: js, Source: o.Source})
	}
	return res, stopped
}

// heldBytes is the memory the process holds from the system (mapped and not released).
func heldBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}
