package buildinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFrom(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	vcs := func(main string, settings ...debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/rigel-gitops/rigel", Version: main}, Settings: settings}
	}
	revSetting := debug.BuildSetting{Key: "vcs.revision", Value: rev}
	tests := []struct {
		name              string
		version, revision string
		bi                *debug.BuildInfo
		want              Info
	}{
		{"stamped wins over build info", "v0.1.0", "feedface", vcs("v0.0.9", revSetting),
			Info{Version: "v0.1.0", Revision: "feedface"}},
		{"stamped version, revision from build info", "v0.1.0", "", vcs("(devel)", revSetting),
			Info{Version: "v0.1.0", Revision: rev}},
		{"module version (go install …@v0.1.0)", "", "", vcs("v0.1.0"),
			Info{Version: "v0.1.0", Revision: Unknown}},
		{"pseudo-version of a checkout and its revision", "", "", vcs("v0.0.0-20261130073557-0123456789ab+dirty", revSetting),
			Info{Version: "v0.0.0-20261130073557-0123456789ab+dirty", Revision: rev}},
		{"no version: devel and the short revision", "", "", vcs("(devel)", revSetting),
			Info{Version: "devel+0123456789ab", Revision: rev}},
		{"nothing known", "", "", vcs(""),
			Info{Version: "devel", Revision: Unknown}},
		{"no build info", "", "", nil,
			Info{Version: "devel", Revision: Unknown}},
		{"short stamped revision kept whole in the version", "", "abc", nil,
			Info{Version: "devel+abc", Revision: "abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.GoVersion = runtime.Version()
			if got := from(tt.version, tt.revision, tt.bi); got != tt.want {
				t.Errorf("from(%q, %q, …) = %+v, want %+v", tt.version, tt.revision, got, tt.want)
			}
		})
	}
}

// TestStampedBinary builds this package's test binary with the -X flags the Makefile and the
// Dockerfile pass, runs it, and reads what Read says inside it.
func TestStampedBinary(t *testing.T) {
	if os.Getenv("RIGEL_BUILDINFO_PRINT") == "1" {
		i := Read()
		os.Stdout.WriteString(i.Version + " " + i.Revision + " " + i.GoVersion + "\n")
		return
	}
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "buildinfo.test")
	ldflags := "-X " + ImportPath + ".version=v9.8.7-stamped -X " + ImportPath + ".revision=cafe1234"
	build := exec.Command("go", "test", "-c", "-o", bin, "-ldflags", ldflags, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c: %v\n%s", err, out)
	}
	run := exec.Command(bin, "-test.run", "^TestStampedBinary$")
	run.Env = append(os.Environ(), "RIGEL_BUILDINFO_PRINT=1")
	out, err := run.Output()
	if err != nil {
		t.Fatalf("the stamped binary: %v\n%s", err, out)
	}
	if want := "v9.8.7-stamped cafe1234 " + runtime.Version(); !strings.Contains(string(out), want+"\n") {
		t.Errorf("the stamped binary says %q, want %q", out, want)
	}
}

// TestBuildsStampIt keeps the Makefile's build and the Dockerfile stamping this package's
// variables by their real import path.
func TestBuildsStampIt(t *testing.T) {
	for _, file := range []string{"../../Makefile", "../../Dockerfile"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"version", "revision"} {
			if !strings.Contains(string(raw), ImportPath+"."+v+"=") {
				t.Errorf("%s does not stamp %s.%s with -ldflags -X", file, ImportPath, v)
			}
		}
	}
}
