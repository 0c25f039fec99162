package main

import "github.com/rigel-gitops/rigel/internal/testenv"

// startForge starts the test git server and the fake GitHub that serves its repositories, for
// a figure that runs `rigel serve`; stop stops both.
func startForge() (gs *testenv.GitServer, gh *testenv.GitHub, stop func(), err error) {
	gs, err = testenv.StartGitServer()
	if err != nil {
		return nil, nil, nil, err
	}
	gh, err = testenv.StartGitHub(gs)
	if err != nil {
		gs.Stop()
		return nil, nil, nil, err
	}
	return gs, gh, func() { gh.Stop(); gs.Stop() }, nil
}
