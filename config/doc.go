// Package config holds Rigel's settings and its registry of git sources.
//
// # Settings
//
// LoadSettings builds Settings from, in increasing precedence: built-in defaults, the
// YAML file named by RIGEL_CONFIG, and RIGEL_* environment variables. Credentials the
// file and environment left empty are then filled from the Secret helmsman-github in the
// bot's namespace (keys app-id, private-key, webhook-secret, token, login). Settings
// redact every credential when printed, logged or marshalled to JSON.
//
// # The sources registry
//
// The registry lives in the ConfigMap helmsman-git-sources in the bot's namespace. It never
// holds a secret; credentials live in the Secret helmsman-github. Layout (version 2):
//
//	apiVersion: v1
//	kind: ConfigMap
//	metadata:
//	  name: helmsman-git-sources
//	data:
//	  version: "2"
//	  repos.yaml: |
//	    - branch: main                  # the branch deployments sync from
//	      cloneURL: https://github.com/acme/web.git   # optional
//	      deployments:
//	      - lastSync:                   # absent until the first apply
//	          commit: 0123456789abcdef0123456789abcdef01234567
//	          message: all healthy      # optional
//	          status: Succeeded         # Succeeded, Failed or Unhealthy
//	          time: "2025-01-02T03:04:05Z"
//	        name: web                   # DNS-1123 label, unique across all repos
//	        path: apps/web/k8s          # manifest folder, relative to the repo root
//	      installationID: 4711          # optional, GitHub App installation
//	      repo: acme/web                # owner/name on GitHub
//
// That is the shape, as an admin may write it. Rigel writes repos.yaml as JSON, which is YAML
// too (registry_encode.go, issue 14): a repository's fields on one line, then its deployments
// one a line, fields in the order of the types, so that thousands of deployments are read and
// written in milliseconds; YAML written by hand is read as before. An update past the
// ConfigMap's 1 MiB (MaxRegistryBytes) is refused before the write (*RegistryFull,
// registry_size.go).
//
// Keys other than version and repos.yaml are left untouched. Repos are kept sorted by
// name and deployments by name, so the ConfigMap diffs cleanly.
//
// # Legacy layout (single-source Helmsman)
//
// A ConfigMap without a version key whose data has the key sources is the legacy layout.
// Its value is JSON or YAML: a list of sources, or a single source object:
//
//	data:
//	  sources: |
//	    [{"name": "Web App", "repo": "acme/web", "branch": "main", "path": "k8s",
//	      "lastSyncCommit": "0123abc...", "lastSyncTime": "2024-05-01T10:00:00Z",
//	      "lastSyncStatus": "Succeeded"}]
//
// repo may be owner/name or a clone URL (https://github.com/acme/web.git). Load migrates
// the legacy layout in memory: one Repo per repository, one Deployment per old source,
// named after the old source (sanitized to a DNS-1123 label, made unique with a -2, -3
// suffix) and carrying its last sync. When old sources of one repository name different
// branches, the first one's branch is kept. Load never writes; the first Update writes the
// version 2 layout and removes the sources key.
package config
