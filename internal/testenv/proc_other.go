//go:build !linux

package testenv

import "os/exec"

// startChild starts cmd. Outside Linux there is no parent-death signal: Stop must be called.
func startChild(cmd *exec.Cmd) error { return cmd.Start() }
