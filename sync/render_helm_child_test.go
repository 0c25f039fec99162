package sync

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"
)

// freshPool makes the test start with no render child, and its counters at zero.
func freshPool(t *testing.T) {
	t.Helper()
	renderChildren.closeIdle()
	waitFor(t, "the render children to exit", func() bool { return renderChildren.counts().alive == 0 })
	renderChildren.mu.Lock()
	renderChildren.started, renderChildren.maxAlive = 0, 0
	renderChildren.mu.Unlock()
	t.Cleanup(renderChildren.closeIdle)
}

// renderWeb renders the test chart with its defaults, which must succeed.
func renderWeb(t *testing.T) {
	t.Helper()
	if _, err := RenderWith(context.Background(), chartRepo(), "web", RenderOptions{}); err != nil {
		t.Fatal(err)
	}
}

type poolCounts struct{ started, alive, maxAlive, idle int }

func (p *childPool) counts() poolCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return poolCounts{p.started, p.alive, p.maxAlive, len(p.idle)}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !ok(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// childPIDs are the render children of this process that are alive (its children running
// its binary), read from /proc.
func childPIDs(t *testing.T) []int {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // it ended
		}
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])) // state, ppid, …
		if len(fields) > 1 && fields[0] != "Z" && fields[1] == strconv.Itoa(os.Getpid()) {
			if exe, err := os.Readlink(filepath.Join(filepath.Dir(p), "exe")); err == nil && exe == self {
				pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// One child serves render after render: a process is started once, and each render gives
// what the same render in this process gives, whatever was rendered before it.
func TestRenderChartChildReused(t *testing.T) {
	freshPool(t)
	prod := RenderOptions{Chart: &ChartSettings{Release: "shop", Namespace: "prod", Values: []string{"web/values-prod.yaml"}, SetFiles: map[string]string{"script": "script.sh"}}}
	here := map[bool][]Object{}
	for _, isProd := range []bool{false, true} {
		isolateCharts = false
		o := RenderOptions{}
		if isProd {
			o = prod
		}
		objs, err := RenderWith(context.Background(), chartRepo(), "web", o)
		isolateCharts = true
		if err != nil {
			t.Fatal(err)
		}
		here[isProd] = objs
	}
	for i := range 6 {
		isProd := i%2 == 1
		o := RenderOptions{}
		if isProd {
			o = prod
		}
		objs, err := RenderWith(context.Background(), chartRepo(), "web", o)
		if err != nil {
			t.Fatalf("render %d: %v", i, err)
		}
		if !reflect.DeepEqual(objs, here[isProd]) {
			t.Errorf("render %d (prod %v) differs from the render in this process:\n%s\nwant:\n%s", i, isProd, summary(objs), summary(here[isProd]))
		}
	}
	if c := renderChildren.counts(); c.started != 1 || c.idle != 1 {
		t.Errorf("6 renders one after another: %+v, want one child started and kept idle", c)
	}
	// A template error does not cost the child either.
	m := chartRepo()
	m["web/templates/bad.yaml"] = file("a: {{ .Values.x.y }}\n")
	var pe *ParseError
	if _, err := RenderWith(context.Background(), m, "web", RenderOptions{}); !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *ParseError", err)
	}
	renderWeb(t)
	if c := renderChildren.counts(); c.started != 1 {
		t.Errorf("after a template error: %+v, want still one child started", c)
	}
}

// The child's environment is the one variable, nothing of this process's.
func TestRenderChartChildEnvironment(t *testing.T) {
	freshPool(t)
	t.Setenv("RIGEL_SECRET_FOR_TEST", "must-not-reach-the-child")
	renderWeb(t)
	pids := childPIDs(t)
	if len(pids) != 1 {
		t.Fatalf("children %v, want the one idle render child", pids)
	}
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pids[0]) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(env); got != chartChildEnv+"=1\x00" {
		t.Errorf("the child's environment is %q, want only %s=1", got, chartChildEnv)
	}
}

// A child killed at a render's deadline is not reused: the next render gets a new child.
func TestRenderChartChildKilledAtDeadlineIsReplaced(t *testing.T) {
	freshPool(t)
	m := chartRepo()
	m["web/templates/slow.yaml"] = file("{{ range until 5000 }}{{ range until 5000 }}{{ end }}{{ end }}")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := RenderWith(ctx, m, "web", RenderOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	waitFor(t, "the killed child to exit", func() bool { return renderChildren.counts().alive == 0 })
	renderWeb(t)
	if c := renderChildren.counts(); c.started != 2 || c.idle != 1 {
		t.Errorf("%+v, want a second child started for the render after the deadline", c)
	}
}

// A child that crashes while it renders makes that render an error naming the chart, at
// once, not a hang until the deadline.
func TestRenderChartChildCrashIsAnError(t *testing.T) {
	freshPool(t)
	m := chartRepo()
	m["web/templates/slow.yaml"] = file("{{ range until 20000 }}{{ range until 20000 }}{{ end }}{{ end }}")
	errc := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := RenderWith(testCtx(t), m, "web", RenderOptions{})
		errc <- err
	}()
	var pids []int
	waitFor(t, "the render child", func() bool { pids = childPIDs(t); return len(pids) == 1 })
	time.Sleep(200 * time.Millisecond) // it is rendering
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "failed to render chart web: the render process failed") {
			t.Fatalf("err = %v", err)
		}
		t.Log(err)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("the crash was told after %v", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the render hangs after its child crashed")
	}
	renderWeb(t)
}

// A child that ended while idle is replaced: the render after it succeeds.
func TestRenderChartChildDiedIdleIsReplaced(t *testing.T) {
	for _, wait := range []bool{false, true} { // killed just before the render, and long before
		t.Run("waited "+strconv.FormatBool(wait), func(t *testing.T) {
			freshPool(t)
			renderWeb(t)
			pids := childPIDs(t)
			if len(pids) != 1 {
				t.Fatalf("children %v, want the one idle render child", pids)
			}
			if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if wait {
				waitFor(t, "the child to exit", func() bool { return renderChildren.counts().alive == 0 })
			}
			renderWeb(t)
			if c := renderChildren.counts(); c.started != 2 {
				t.Errorf("%+v, want a second child started", c)
			}
		})
	}
}

// An idle child exits after childIdle.
func TestRenderChartChildIdleExits(t *testing.T) {
	freshPool(t)
	old := childIdle
	childIdle = 100 * time.Millisecond
	defer func() { childIdle = old }()
	renderWeb(t)
	waitFor(t, "the idle child to exit", func() bool {
		c := renderChildren.counts()
		return c.alive == 0 && c.idle == 0 && len(childPIDs(t)) == 0
	})
}

// A child that holds more than childRetireBytes after a render exits instead of serving another.
func TestRenderChartChildRetires(t *testing.T) {
	freshPool(t)
	old := childRetireBytes
	childRetireBytes = 1
	defer func() { childRetireBytes = old }()
	for range 3 {
		renderWeb(t)
	}
	waitFor(t, "the retired children to exit", func() bool { return renderChildren.counts().alive == 0 })
	if c := renderChildren.counts(); c.started != 3 || c.idle != 0 {
		t.Errorf("%+v, want each render in a new child, none kept", c)
	}
}

// However many renders run at once, at most MaxConcurrentBuilds children are alive.
func TestRenderChartChildrenBounded(t *testing.T) {
	freshPool(t)
	var wg gosync.WaitGroup
	errs := make(chan error, 3*MaxConcurrentBuilds)
	for range 3 * MaxConcurrentBuilds {
		wg.Go(func() {
			_, err := RenderWith(testCtx(t), chartRepo(), "web", RenderOptions{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c := renderChildren.counts()
	if c.maxAlive > MaxConcurrentBuilds || c.started > MaxConcurrentBuilds || c.idle != c.alive {
		t.Errorf("%+v, want at most %d children, all idle now", c, MaxConcurrentBuilds)
	}
}

// Frames: what is written is read back; a frame over the reader's limit is refused before it
// is read; a stream that ends inside a frame is not a clean end.
func TestRenderChildFrames(t *testing.T) {
	var buf bytes.Buffer
	in := childRequest{Files: map[string][]byte{"web/Chart.yaml": []byte("name: web\n")}, Dir: "web", Retire: 7}
	for range 2 {
		if err := writeFrame(&buf, &in); err != nil {
			t.Fatal(err)
		}
	}
	whole := bytes.Clone(buf.Bytes())
	for range 2 {
		var out childRequest
		if err := readFrame(&buf, 1<<10, &out); err != nil || !reflect.DeepEqual(out, in) {
			t.Fatalf("read %+v, %v; want %+v", out, err, in)
		}
	}
	var out childRequest
	if err := readFrame(&buf, 1<<10, &out); err != io.EOF {
		t.Errorf("at the end: %v, want io.EOF", err)
	}
	if err := readFrame(bytes.NewReader(whole), 10, &out); err == nil || !strings.Contains(err.Error(), "more than the limit of 10") {
		t.Errorf("over the limit: %v", err)
	}
	if err := readFrame(bytes.NewReader(whole[:len(whole)/2-3]), 1<<10, &out); err != io.ErrUnexpectedEOF {
		t.Errorf("cut short: %v, want io.ErrUnexpectedEOF", err)
	}
	if err := readFrame(bytes.NewReader(whole[:2]), 1<<10, &out); err != io.ErrUnexpectedEOF {
		t.Errorf("cut in the length: %v, want io.ErrUnexpectedEOF", err)
	}
}
