package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: measured RESULT PROG [ARGS…]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "measured:", err)
		os.Exit(127)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	figures := strconv.FormatInt(wall.Nanoseconds(), 10) + " " + strconv.FormatInt(ru.Maxrss, 10) + "\n"
	if err := os.WriteFile(os.Args[1], []byte(figures), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "measured:", err)
		os.Exit(125)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
