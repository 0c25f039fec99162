package config

import "time"

// Names of the documented objects.
const (
	SourcesConfigMap = "helmsman-git-sources"
	CredentialSecret = "helmsman-github"
)

// SchemaVersion is the registry schema this build writes.
const SchemaVersion = 2

// Sources is the whole registry: every repo and its deployments.
type Sources struct {
	Version int    `json:"version"`
	Repos   []Repo `json:"repos"`
}

// Repo is one registered repository.
type Repo struct {
	Repo           string       `json:"repo"`   // "owner/name"
	Branch         string       `json:"branch"` // the branch deployments sync from
	CloneURL       string       `json:"cloneURL,omitempty"`
	InstallationID int64        `json:"installationID,omitempty"`
	Deployments    []Deployment `json:"deployments"`
}

// Deployment is one named manifest folder of a repo.
type Deployment struct {
	Name     string    `json:"name"`
	Path     string    `json:"path"`
	LastSync *LastSync `json:"lastSync,omitempty"`
}

// LastSync records the last apply of a deployment.
type LastSync struct {
	Commit  string    `json:"commit"`
	Time    time.Time `json:"time"`
	Status  string    `json:"status"` // Succeeded, Failed, Unhealthy
	Message string    `json:"message,omitempty"`
}
