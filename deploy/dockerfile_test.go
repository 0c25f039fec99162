package deploy

import (
	"encoding/json"
	"go/version"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// dockerStage is one stage of the Dockerfile: its FROM line's parts and its instructions.
type dockerStage struct {
	platform, image, name string
	instructions          []string // continuation lines joined, FROM included
}

// readDockerfile splits ../Dockerfile into stages, and returns its comment lines.
func readDockerfile(t *testing.T) ([]dockerStage, []string) {
	t.Helper()
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var stages []dockerStage
	var comments []string
	var cur string
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			comments = append(comments, line)
			continue
		}
		if line == "" {
			continue
		}
		cur += line
		if strings.HasSuffix(cur, "\\") {
			cur = strings.TrimSuffix(cur, "\\") + " "
			continue
		}
		f := strings.Fields(cur)
		if strings.EqualFold(f[0], "FROM") {
			var st dockerStage
			rest := f[1:]
			if len(rest) > 0 && strings.HasPrefix(rest[0], "--platform=") {
				st.platform, rest = strings.TrimPrefix(rest[0], "--platform="), rest[1:]
			}
			if len(rest) == 0 {
				t.Fatalf("FROM without an image: %q", cur)
			}
			st.image = rest[0]
			if len(rest) == 3 && strings.EqualFold(rest[1], "AS") {
				st.name = rest[2]
			}
			stages = append(stages, st)
		}
		if len(stages) == 0 {
			t.Fatalf("instruction before FROM: %q", cur)
		}
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, cur)
		cur = ""
	}
	return stages, comments
}

// pinnedImage is an image reference with its tag kept beside a sha256 digest.
var pinnedImage = regexp.MustCompile(`^([a-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9._/-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)

// TestDockerfile checks the image's key properties (no Docker engine here to build it): base
// images pinned by digest with their tag, a build stage that cross-compiles for buildx's
// target platform, a static binary /rigel from ./cmd/bot, a minimal non-root final image that
// runs `rigel serve` by default, and the port the manifests probe.
func TestDockerfile(t *testing.T) {
	stages, comments := readDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a builder and a final stage", len(stages))
	}
	var names []string
	for _, st := range stages {
		if !slices.Contains(names, st.image) && st.image != "scratch" && !pinnedImage.MatchString(st.image) {
			t.Errorf("FROM %s: want a base image pinned by digest with its tag (NAME:TAG@sha256:…)", st.image)
		}
		names = append(names, st.name)
	}

	build := stages[0]
	if !strings.HasPrefix(build.image, "golang:") {
		t.Errorf("build stage FROM %s, want golang", build.image)
	}
	if build.platform != "$BUILDPLATFORM" && build.platform != "${BUILDPLATFORM}" {
		t.Errorf("build stage --platform=%q, want $BUILDPLATFORM (compile natively, cross-compile for the target)", build.platform)
	}
	var args []string
	var goBuild string
	for _, ins := range build.instructions {
		f := strings.Fields(ins)
		if strings.EqualFold(f[0], "ARG") {
			for _, a := range f[1:] {
				name, _, _ := strings.Cut(a, "=")
				args = append(args, name)
			}
		}
		if strings.Contains(ins, "go build") {
			goBuild = ins
		}
	}
	for _, a := range []string{"TARGETOS", "TARGETARCH", "VERSION", "REVISION"} {
		if !slices.Contains(args, a) {
			t.Errorf("build stage declares no ARG %s (args: %v)", a, args)
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/bot", "-o /out/rigel", "buildinfo.version=${VERSION}", "buildinfo.revision=${REVISION}"} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("build step %q lacks %s", goBuild, want)
		}
	}
	for _, want := range [][]string{{"GOOS=$TARGETOS", "GOOS=${TARGETOS}"}, {"GOARCH=$TARGETARCH", "GOARCH=${TARGETARCH}"}} {
		if !strings.Contains(goBuild, want[0]) && !strings.Contains(goBuild, want[1]) {
			t.Errorf("build step %q lacks %s: buildx's target platform would be ignored", goBuild, want[0])
		}
	}

	checkBuilderGo(t, build)

	final := stages[len(stages)-1]
	if !strings.HasPrefix(final.image, "gcr.io/distroless/static-debian12:nonroot@") {
		t.Errorf("final base %q, want gcr.io/distroless/static-debian12:nonroot pinned by digest", final.image)
	}
	if final.platform != "" {
		t.Errorf("final stage --platform=%q: it must be the target platform", final.platform)
	}
	var user, expose, copyBin string
	var entrypoint, cmd []string
	for _, ins := range final.instructions {
		f := strings.Fields(ins)
		rest := strings.TrimSpace(strings.TrimPrefix(ins, f[0]))
		switch strings.ToUpper(f[0]) {
		case "USER":
			user = f[1]
		case "EXPOSE":
			expose = f[1]
		case "COPY":
			copyBin = rest
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &entrypoint); err != nil {
				t.Errorf("ENTRYPOINT %s is not the exec (JSON) form: %v", rest, err)
			}
		case "CMD":
			if err := json.Unmarshal([]byte(rest), &cmd); err != nil {
				t.Errorf("CMD %s is not the exec (JSON) form: %v", rest, err)
			}
		}
	}
	if uid, _, _ := strings.Cut(user, ":"); uid != "65532" {
		t.Errorf("final USER %q, want 65532 (non-root, the uid the Deployment runs as)", user)
	}
	if expose != "8080" {
		t.Errorf("EXPOSE %q, want 8080", expose)
	}
	if copyBin != "--from="+build.name+" /out/rigel /rigel" {
		t.Errorf("final COPY %q, want --from=%s /out/rigel /rigel", copyBin, build.name)
	}
	if !slices.Equal(entrypoint, []string{"/rigel"}) {
		t.Errorf("ENTRYPOINT %q, want [\"/rigel\"]", entrypoint)
	}
	if !slices.Equal(cmd, []string{"serve"}) {
		t.Errorf("CMD %q, want [\"serve\"]", cmd)
	}
	if !slices.ContainsFunc(comments, func(c string) bool {
		return strings.Contains(c, "docker buildx build --platform linux/amd64,linux/arm64")
	}) {
		t.Error("the header does not show the multi-arch `docker buildx build --platform linux/amd64,linux/arm64` line")
	}
}

// TestPinnedImagePattern keeps the digest check of TestDockerfile able to fail.
func TestPinnedImagePattern(t *testing.T) {
	for ref, want := range map[string]bool{
		"golang:1.26@sha256:" + strings.Repeat("ab", 32):                               true,
		"gcr.io/distroless/static-debian12:nonroot@sha256:" + strings.Repeat("0f", 32): true,
		"golang:1.26": false, // a tag alone moves
		"golang@sha256:" + strings.Repeat("ab", 32):           false, // the tag is kept beside the digest for readers and Dependabot
		"golang:1.26@sha256:" + strings.Repeat("ab", 31):      false,
		"gcr.io/distroless/static-debian12:nonroot@sha256:XY": false,
	} {
		if got := pinnedImage.MatchString(ref); got != want {
			t.Errorf("pinnedImage(%q) = %v, want %v", ref, got, want)
		}
	}
}

// TestDependabot checks that Dependabot bumps what the Dockerfile and go.mod pin.
func TestDependabot(t *testing.T) {
	raw, err := os.ReadFile("../.github/dependabot.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int `json:"version"`
		Updates []struct {
			Ecosystem string         `json:"package-ecosystem"`
			Directory string         `json:"directory"`
			Schedule  map[string]any `json:"schedule"`
		} `json:"updates"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf(".github/dependabot.yml: %v", err)
	}
	if cfg.Version != 2 {
		t.Errorf("version %d, want 2", cfg.Version)
	}
	got := map[string]bool{}
	for _, u := range cfg.Updates {
		if u.Directory == "/" && u.Schedule["interval"] != nil {
			got[u.Ecosystem] = true
		}
	}
	for _, eco := range []string{"docker", "gomod"} {
		if !got[eco] {
			t.Errorf("no %s update for directory / with a schedule", eco)
		}
	}
}

// checkBuilderGo checks that the build stage's Go can build the module: the official golang
// image sets GOTOOLCHAIN=local, so its Go (the image's tag, or a GOTOOLCHAIN the stage sets)
// must be at least go.mod's go line, or `go build` refuses.
func checkBuilderGo(t *testing.T, build dockerStage) {
	t.Helper()
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go ([0-9.]+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	need := "go" + string(m[1])
	have := ""
	if tc := regexp.MustCompile(`GOTOOLCHAIN=(go[0-9.]+)`).FindStringSubmatch(strings.Join(build.instructions, "\n")); tc != nil {
		have = tc[1]
	} else if tag := regexp.MustCompile(`^golang:([0-9]+\.[0-9]+\.[0-9]+)[@-]`).FindStringSubmatch(build.image); tag != nil {
		have = "go" + tag[1]
	} else {
		t.Errorf("build stage FROM %s: name Go's full version in the tag (golang:1.x.y) or set GOTOOLCHAIN, so that it can be checked against go.mod's %s", build.image, need)
		return
	}
	if version.Compare(have, need) < 0 {
		t.Errorf("the build stage's Go is %s, older than go.mod's %s: the build would refuse (GOTOOLCHAIN=local)", have, need)
	}
}
