package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// ImportPath is this package's import path, the prefix of the -X flags that stamp it:
//
//	go build -ldflags "-X github.com/rigel-gitops/rigel/internal/buildinfo.version=v0.1.0 \
//	  -X github.com/rigel-gitops/rigel/internal/buildinfo.revision=$(git rev-parse HEAD)"
const ImportPath = "github.com/rigel-gitops/rigel/internal/buildinfo"

// Set by -ldflags -X; empty when the build did not stamp them.
var (
	version  string
	revision string
)

// Unknown is the revision of a binary that neither was stamped nor records one (a build
// outside a git checkout, like the image's, without REVISION).
const Unknown = "unknown"

// devel is the version of a binary that neither was stamped nor knows its module version.
const devel = "devel"

// Info is which Rigel a binary is.
type Info struct {
	Version   string // v0.1.0; a pseudo-version (v0.0.0-20261130…-abcdef+dirty) or devel+REV when untagged
	Revision  string // the git commit it was built from, or Unknown
	GoVersion string // the Go toolchain that built it (runtime.Version)
}

// Read is this binary's Info.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return from(version, revision, bi)
}

// from is the Info of a binary stamped with version and revision (either may be empty) whose
// toolchain recorded bi (nil when it recorded nothing).
func from(version, revision string, bi *debug.BuildInfo) Info {
	info := Info{Version: version, Revision: revision, GoVersion: runtime.Version()}
	if bi != nil {
		if info.Revision == "" {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					info.Revision = s.Value
				}
			}
		}
		// "(devel)" is what the toolchain records when it knows no version (go run, go test,
		// or a build outside a module's version control).
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
	}
	if info.Version == "" {
		info.Version = devel
		if r := info.Revision; r != "" {
			info.Version += "+" + r[:min(len(r), 12)]
		}
	}
	if info.Revision == "" {
		info.Revision = Unknown
	}
	return info
}
