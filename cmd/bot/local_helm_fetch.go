package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Chart dependencies in `rigel diff` and `rigel apply` (issue 13): a chart's Chart.lock
// dependencies, and a kustomization's helmCharts, are fetched as the bot fetches them
// (sync/helm_fetch*.go) — only from the repositories given with --helm-repository (the
// bot's RIGEL_HELM_REPOSITORIES), trusting the system's roots plus --helm-ca-file, with the
// credentials of --helm-credentials-file for their hosts. Nothing is cached between runs.

// helmFetchFlags are where chart dependencies may be fetched from.
type helmFetchFlags struct {
	repositories    []string // https chart repository URLs and oci:// prefixes
	caFile          string
	credentialsFile string
}

// add declares the flags on f.
func (h *helmFetchFlags) add(f *pflag.FlagSet) {
	f.StringArrayVar(&h.repositories, "helm-repository", nil, "a chart repository (https URL) or OCI registry (oci:// prefix) chart dependencies may be fetched from, as the bot's RIGEL_HELM_REPOSITORIES (repeatable)")
	f.StringVar(&h.caFile, "helm-ca-file", "", "a PEM file of CA certificates trusted besides the system's when fetching charts (RIGEL_HELM_CA_FILE)")
	f.StringVar(&h.credentialsFile, "helm-credentials-file", "", "a Docker-config JSON of credentials by host for private chart repositories and OCI registries (RIGEL_HELM_CREDENTIALS_FILE)")
}

// repos are the fetch settings of the flags: nil when no repository is given (nothing is
// fetched); an error naming the flag when one is not usable.
func (h helmFetchFlags) repos() (*sync.ChartRepos, error) {
	if len(h.repositories) == 0 {
		if h.caFile != "" || h.credentialsFile != "" {
			return nil, fmt.Errorf("--helm-ca-file and --helm-credentials-file are for the repositories of --helm-repository, and none is given: add --helm-repository URL")
		}
		return nil, nil
	}
	var problems []string
	for _, r := range h.repositories {
		if msg := config.HelmRepositoryProblem(r); msg != "" {
			problems = append(problems, fmt.Sprintf("--helm-repository %q %s", r, msg))
		}
	}
	if h.caFile != "" {
		if _, err := config.ReadHelmCA(h.caFile); err != nil {
			problems = append(problems, "--helm-ca-file: "+err.Error())
		}
	}
	if h.credentialsFile != "" {
		if _, err := config.ReadHelmCredentials(h.credentialsFile); err != nil {
			problems = append(problems, "--helm-credentials-file: "+err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return &sync.ChartRepos{Allow: h.repositories, CAFile: h.caFile, CredentialsFile: h.credentialsFile}, nil
}
