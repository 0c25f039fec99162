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

// Private and internal chart sources (settings_helm_files.go): a CA bundle and a
// Docker-config JSON of credentials, both files (mounted from a ConfigMap and a Secret).

func helmCAFileSetting() setting {
	return str("HelmCAFile", "RIGEL_HELM_CA_FILE", "helmCAFile", func(s *Settings) *string { return &s.HelmCAFile }).
		docs("a PEM file of CA certificates the chart fetch client trusts besides the system's (repositories and registries with an internal CA); empty: the system's only")
}

func helmCredentialsFileSetting() setting {
	return str("HelmCredentialsFile", "RIGEL_HELM_CREDENTIALS_FILE", "helmCredentialsFile", func(s *Settings) *string { return &s.HelmCredentialsFile }).
		docs("a Docker-config JSON file (a kubernetes.io/dockerconfigjson Secret's .dockerconfigjson) of credentials by host for private chart repositories and OCI registries, sent only to that host when it is on RIGEL_HELM_REPOSITORIES; empty: none")
}

// helmReposProblems names allowlist entries that are neither an https URL nor an oci://
// prefix, and a CA bundle or credentials file that cannot be used.
func (s *Settings) helmReposProblems() []string {
	var out []string
	for _, e := range s.HelmRepositories {
		if msg := HelmRepositoryProblem(e); msg != "" {
			out = append(out, fmt.Sprintf("RIGEL_HELM_REPOSITORIES lists %q, which %s", e, msg))
		}
	}
	for _, f := range []struct{ name, file string }{{"RIGEL_HELM_CA_FILE", s.HelmCAFile}, {"RIGEL_HELM_CREDENTIALS_FILE", s.HelmCredentialsFile}} {
		if f.file != "" && len(s.HelmRepositories) == 0 {
			out = append(out, fmt.Sprintf("%s is set, and RIGEL_HELM_REPOSITORIES is empty, so Rigel fetches no chart: list the repositories it is for, or unset it", f.name))
		}
	}
	if s.HelmCAFile != "" {
		if _, err := ReadHelmCA(s.HelmCAFile); err != nil {
			out = append(out, err.Error())
		}
	}
	if s.HelmCredentialsFile != "" {
		if _, err := ReadHelmCredentials(s.HelmCredentialsFile); err != nil {
			out = append(out, err.Error())
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
