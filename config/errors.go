package config

import (
	"fmt"

	"github.com/rigel-gitops/rigel/fault"
)

// NameTakenError: a deployment name is already registered (names are unique across repos).
type NameTakenError struct {
	Name string
	Repo string // the repo that holds the deployment of that name
}

func (e *NameTakenError) Error() string {
	return fmt.Sprintf("deployment name %q is already used by %s", e.Name, e.Repo)
}

// PathTakenError: the same folder of the same repo is registered under another name.
type PathTakenError struct {
	Repo string
	Path string
	Name string // the deployment that already has this folder
}

func (e *PathTakenError) Error() string {
	return fmt.Sprintf("%s of %s is already registered as deployment %q", e.Path, e.Repo, e.Name)
}

// The registry's "not found" is fault.NotFound (one type for every floor), of these kinds.
const (
	KindDeployment = "deployment" // no deployment has the name
	KindRepository = "repository" // no repo of the name is registered
)

// deploymentNotFound says no deployment is called name.
func deploymentNotFound(name string) error {
	return &fault.NotFound{Kind: KindDeployment, Name: name}
}

// InvalidNameError: a deployment name is not a DNS-1123 label.
type InvalidNameError struct {
	Name   string
	Reason string
}

func (e *InvalidNameError) Error() string {
	return fmt.Sprintf("invalid deployment name %q: %s", e.Name, e.Reason)
}

// InvalidPathError: a deployment folder is absolute or leaves the repo.
type InvalidPathError struct {
	Path   string
	Reason string
}

func (e *InvalidPathError) Error() string {
	return fmt.Sprintf("invalid deployment path %q: %s", e.Path, e.Reason)
}
