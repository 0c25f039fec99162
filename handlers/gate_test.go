package handlers

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/gitsrc"
)

func TestGateAdmit(t *testing.T) {
	host, err := gitsrc.ParseHost("https://github.com")
	if err != nil {
		t.Fatal(err)
	}
	down := errors.New("GitHub is down")
	installs := func(ctx context.Context, full string) (int64, error) {
		switch full {
		case "acme/web":
			return 7, nil
		case "acme/down":
			return 0, down
		}
		return 0, &githubclient.NotInstalledError{Repo: full}
	}
	repo := func(name, cloneURL string, inst int64) commands.Repo {
		return commands.Repo{Owner: "acme", Name: name, CloneURL: cloneURL, Installation: inst}
	}
	tests := []struct {
		desc    string
		repo    commands.Repo
		refused string // "" admitted
		other   error
	}{
		{"as GitHub says", repo("web", "https://github.com/acme/web.git", 7), "", nil},
		{"a clone URL elsewhere", repo("web", "https://evil.example/acme/web.git", 7), "not at https://github.com", nil},
		{"a clone URL with credentials", repo("web", "https://x:y@github.com/acme/web.git", 7), "must not hold credentials", nil},
		{"another installation", repo("web", "https://github.com/acme/web.git", 8), "names installation 8", nil},
		{"no installation", repo("web", "https://github.com/acme/web.git", 0), "names installation 0", nil},
		{"not installed", repo("other", "https://github.com/acme/other.git", 7), "not installed on acme/other", nil},
		{"GitHub down: not a refusal, an error", repo("down", "https://github.com/acme/down.git", 7), "", down},
	}
	g := &Gate{Host: host, Installation: installs}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r := tt.repo
			err := g.Admit(context.Background(), &r)
			var refused *RefusedError
			switch {
			case tt.other != nil:
				if !errors.Is(err, tt.other) || errors.As(err, &refused) {
					t.Fatalf("Admit = %v, want %v and no refusal", err, tt.other)
				}
			case tt.refused == "":
				if err != nil {
					t.Fatalf("Admit = %v, want admitted", err)
				}
			default:
				if !errors.As(err, &refused) || !strings.Contains(err.Error(), tt.refused) {
					t.Fatalf("Admit = %v, want a refusal saying %q", err, tt.refused)
				}
				if strings.Contains(err.Error(), "x:y@") {
					t.Fatalf("the refusal quotes credentials: %v", err)
				}
			}
		})
	}
	var none *Gate
	if err := none.Admit(context.Background(), &commands.Repo{}); err != nil {
		t.Fatalf("a nil Gate admits everything, got %v", err)
	}
}
