package main

import (
	"fmt"
	"os"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// onCluster runs one figure alone (`bench <part>`) on a cluster of its own, without building
// the bot; the exit code of the process.
func onCluster(part string, f func(c *testenv.Cluster) error) int {
	if err := func() error {
		fmt.Println("starting the local kube-apiserver and etcd…")
		c, err := testenv.StartCluster()
		if err != nil {
			return err
		}
		defer c.Stop()
		return f(c)
	}(); err != nil {
		fmt.Fprintln(os.Stderr, "bench "+part+":", err)
		return 1
	}
	return 0
}
