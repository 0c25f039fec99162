package testenv

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// Pdeathsig fires when the OS thread that forked the child exits, not the process. The Go
// runtime ends threads whose goroutine exits while locked to them, so children are started
// from one goroutine that stays locked to its thread for the life of the test binary.
var (
	starterOnce sync.Once
	starts      chan startReq
)

type startReq struct {
	cmd  *exec.Cmd
	done chan error
}

// startChild starts cmd such that it gets SIGKILL when the test binary dies, so no etcd or
// kube-apiserver outlives a crashed or killed test.
func startChild(cmd *exec.Cmd) error {
	starterOnce.Do(func() {
		starts = make(chan startReq)
		go func() {
			runtime.LockOSThread() // never unlocked: this thread lives as long as the process
			for r := range starts {
				r.done <- r.cmd.Start()
			}
		}()
	})
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	done := make(chan error, 1)
	starts <- startReq{cmd: cmd, done: done}
	return <-done
}
