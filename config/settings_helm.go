package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Chart dependencies (issue 13): HelmRepositories are the only places a chart's Chart.lock
// dependencies are fetched from (RIGEL_HELM_REPOSITORIES, comma-separated; file
// helmRepositories, a list). Each entry is an https chart repository URL
// (https://charts.example.com/stable: index.yaml is under it) or an oci:// prefix
// (oci://registry.example.com/charts). Empty: nothing is fetched, and a dependency not
// vendored in charts/ nor file:// inside the repository is refused.

func helmReposSetting() setting {
	r := row("HelmRepositories", "RIGEL_HELM_REPOSITORIES", "helmRepositories", func(s *Settings) *[]string { return &s.HelmRepositories })
	r.kind = "list"
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := splitList(getenv("RIGEL_HELM_REPOSITORIES")); len(v) > 0 {
			s.HelmRepositories = v
		}
		return nil
	}
	r.fromFile = fileValue("helmRepositories", func(s *Settings, _ string, v []string) error {
		if list := trimmedList(v); len(list) > 0 {
			s.HelmRepositories = list
		}
		return nil
	})
	return r.docs("the chart repositories (https URLs) and OCI registries (oci:// prefixes) chart dependencies may be fetched from; empty: none")
}

// helmReposProblems names allowlist entries that are neither an https URL nor an oci:// prefix.
func (s *Settings) helmReposProblems() []string {
	var out []string
	for _, e := range s.HelmRepositories {
		if msg := HelmRepositoryProblem(e); msg != "" {
			out = append(out, fmt.Sprintf("RIGEL_HELM_REPOSITORIES lists %q, which %s", e, msg))
		}
	}
	return out
}

// HelmRepositoryProblem says why e is not an entry of HelmRepositories ("" when it is).
func HelmRepositoryProblem(e string) string {
	u, err := url.Parse(e)
	switch {
	case err != nil:
		return "is not a URL: " + err.Error()
	case u.Scheme != "https" && u.Scheme != "oci":
		return "is neither an https chart repository URL nor an oci:// prefix"
	case u.Host == "":
		return "names no host"
	case u.User != nil:
		return "holds credentials: Rigel fetches only public charts"
	case u.RawQuery != "" || u.Fragment != "" || strings.Contains(e, "?") || strings.Contains(e, "#"):
		return "has a query or a fragment"
	}
	return ""
}
