package sync

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	gosync "sync"
	"time"
)

// Render children are kept warm and reused: starting one costs the binary's start (40–160 ms
// on two busy cores, more than the render), so a child serves render after render, one at a
// time, until it is idle for childIdle, is killed (a render's deadline), ends itself (over
// MaxChartRenderMemory, or it retires when it holds more than childRetireBytes after a render
// or a render of its was stopped), or crashes. A child is busy while it holds one of the
// process's build slots, and a new one is started only when none is idle, so at most
// MaxConcurrentBuilds children are alive at once.

// childIdle is how long an idle child is kept before it is told to exit (tests lower it).
var childIdle = time.Minute

// childRetireBytes: a child holding more memory than this after a render exits instead of
// serving another (the next render starts from a small process); tests lower it.
var childRetireBytes uint64 = 256 << 20

// renderChild is one render process of the pool.
type renderChild struct {
	cmd    *exec.Cmd
	in     *os.File      // its stdin, where requests go
	out    *bufio.Reader // its stdout, where replies come from
	outF   *os.File
	stderr *tailBuffer
	exited chan struct{} // closed once it has exited and been waited for
	idle   *time.Timer   // while idle: tells it to exit after childIdle
	served int           // renders answered
}

// childPool is the process's render children that are idle.
type childPool struct {
	mu   gosync.Mutex
	idle []*renderChild
	// counters, for tests and the debug log
	started, alive, maxAlive int
}

var renderChildren = &childPool{}

// get returns an idle child that has not exited, else starts one. The caller holds a build slot.
func (p *childPool) get(exe string) (*renderChild, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		c.idle.Stop()
		select {
		case <-c.exited:
			continue
		default:
		}
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	return p.start(exe)
}

// start starts a child: the binary exe with nothing but chartChildEnv in its environment,
// stdin and stdout pipes that only this pool holds, stderr kept (its tail) for errors.
func (p *childPool) start(exe string) (*renderChild, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("failed to start a chart render process: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("failed to start a chart render process: %w", err)
	}
	c := &renderChild{in: inW, out: bufio.NewReaderSize(outR, 64<<10), outF: outR, stderr: &tailBuffer{max: 8 << 10}, exited: make(chan struct{})}
	c.cmd = exec.Command(exe)
	c.cmd.Env = []string{chartChildEnv + "=1"}
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = inR, outW, c.stderr
	c.cmd.WaitDelay = time.Second
	err = c.cmd.Start()
	inR.Close() // the child has its copies
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("failed to start a chart render process: %w", err)
	}
	p.mu.Lock()
	p.started++
	p.alive++
	p.maxAlive = max(p.maxAlive, p.alive)
	p.mu.Unlock()
	go func() {
		_ = c.cmd.Wait()
		c.in.Close()
		c.outF.Close()
		p.mu.Lock()
		p.alive--
		p.mu.Unlock()
		close(c.exited)
	}()
	return c, nil
}

// put makes c idle again, to be reused; it is told to exit after childIdle unused.
func (p *childPool) put(c *renderChild) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.idle = time.AfterFunc(childIdle, func() { p.expire(c) })
	p.idle = append(p.idle, c)
}

// expire tells c to exit (closing its stdin) if it is still idle.
func (p *childPool) expire(c *renderChild) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.idle {
		if x == c {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			c.in.Close() // the child reads the end of its input and exits
			return
		}
	}
}

// closeIdle tells every idle child to exit and waits until they have (tests).
func (p *childPool) closeIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		c.idle.Stop()
		c.in.Close()
		<-c.exited
	}
}

// kill stops c at once; it is not reused.
func (c *renderChild) kill() {
	_ = c.cmd.Process.Kill()
}

// retire tells c to exit once it has read what it was sent; it is not reused.
func (c *renderChild) retire() {
	c.in.Close()
}

// ended is how c ended, waiting at most wait for it to exit and killing it after that.
func (c *renderChild) ended(wait time.Duration) *os.ProcessState {
	select {
	case <-c.exited:
	case <-time.After(wait):
		c.kill()
		<-c.exited
	}
	return c.cmd.ProcessState
}

// tailBuffer keeps the last max bytes written to it (a child's stderr: the reason it crashed).
type tailBuffer struct {
	mu  gosync.Mutex
	buf []byte
	max int
}

var _ io.Writer = (*tailBuffer)(nil)

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// reset forgets what was written (a new render starts).
func (t *tailBuffer) reset() {
	t.mu.Lock()
	t.buf = t.buf[:0]
	t.mu.Unlock()
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}
