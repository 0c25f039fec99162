package ops

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/gitsrc"
)

// TestAdmit: a delivery is admitted only as GitHub and the registry describe its repository:
// a clone URL on the git host without credentials, for an app the installation GitHub names,
// with a token a registered repository. What cannot be told now is a failure, not a refusal.
func TestAdmit(t *testing.T) {
	host, err := gitsrc.ParseHost("https://github.com")
	if err != nil {
		t.Fatal(err)
	}
	down := errors.New("GitHub is down")
	installs := func(ctx context.Context, full string) (int64, error) {
		switch full {
		case "acme/web", "acme/listed", "acme/unlisted":
			return 7, nil
		case "acme/down":
			return 0, down
		}
		return 0, &githubclient.NotInstalledError{Repo: full}
	}
	repo := func(name, cloneURL string, inst int64) Repo {
		return Repo{Owner: "acme", Name: name, CloneURL: cloneURL, Installation: inst}
	}
	app := &Admission{Host: host, Installation: installs}
	token := &Admission{Host: host, RegisteredOnly: true}
	tests := []struct {
		desc   string
		gate   *Admission
		repo   Repo
		want   *NotAdmitted // nil: admitted, unless failure
		fails  error        // a failure that is not a refusal
		saying string       // what the refusal says (the log line)
	}{
		{desc: "as GitHub says", gate: app, repo: repo("web", "https://github.com/acme/web.git", 7)},
		{desc: "a clone URL elsewhere", gate: app, repo: repo("web", "https://evil.example/acme/web.git", 7),
			want: &NotAdmitted{Why: AdmitCloneURL}, saying: "refused a delivery for acme/web: refused the clone URL \"https://evil.example/acme/web.git\" of acme/web: it points at https://evil.example, not at https://github.com."},
		{desc: "a clone URL with credentials", gate: app, repo: repo("web", "https://x:y@github.com/acme/web.git", 7),
			want: &NotAdmitted{Why: AdmitCloneURL}, saying: "must not hold credentials"},
		{desc: "another installation", gate: app, repo: repo("web", "https://github.com/acme/web.git", 8),
			want:   &NotAdmitted{Why: AdmitOtherInstallation, Named: 8, Installed: 7},
			saying: "refused a delivery for acme/web: the payload names installation 8, but GitHub says the app's installation on acme/web is 7"},
		{desc: "no installation", gate: app, repo: repo("web", "https://github.com/acme/web.git", 0),
			want: &NotAdmitted{Why: AdmitOtherInstallation, Named: 0, Installed: 7}, saying: "names installation 0"},
		{desc: "not installed", gate: app, repo: repo("other", "https://github.com/acme/other.git", 7),
			want: &NotAdmitted{Why: AdmitNotInstalled}, saying: "refused a delivery for acme/other: the GitHub App is not installed on acme/other"},
		{desc: "GitHub down: not a refusal, a failure", gate: app, repo: repo("down", "https://github.com/acme/down.git", 7), fails: down},
		{desc: "token mode: a registered repository", gate: token, repo: repo("listed", "https://github.com/acme/listed.git", 0)},
		{desc: "token mode: one not registered", gate: token, repo: repo("unlisted", "https://github.com/acme/unlisted.git", 0),
			want: &NotAdmitted{Why: AdmitUnregistered},
			saying: "refused a delivery for acme/unlisted: in token mode Rigel acts only for registered repositories; register it with POST /api/git/sources or in ConfigMap " +
				config.SourcesConfigMap + ", and give it its own webhook secret (key webhook-secret.acme.unlisted of Secret helmsman-github)"},
		{desc: "token mode: the clone URL is checked first", gate: token, repo: repo("listed", "https://evil.example/acme/listed.git", 0),
			want: &NotAdmitted{Why: AdmitCloneURL}, saying: "not at https://github.com"},
		{desc: "no admission: everything", repo: repo("web", "https://evil.example/acme/web.git", 9)},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			svc, _, _, _ := newTestService(t)
			seedRegistry(t, svc, config.Repo{Repo: "acme/listed", Branch: "main", CloneURL: "https://github.com/acme/listed.git"})
			svc.Admission = tt.gate
			err := svc.Admit(context.Background(), tt.repo)
			var refused *NotAdmitted
			switch {
			case tt.fails != nil:
				if !errors.Is(err, tt.fails) || IsRefusal(err) {
					t.Fatalf("Admit = %v, want %v and no refusal", err, tt.fails)
				}
			case tt.want == nil:
				if err != nil {
					t.Fatalf("Admit = %v, want admitted", err)
				}
			default:
				if !errors.As(err, &refused) || !IsRefusal(err) {
					t.Fatalf("Admit = %v, want a *NotAdmitted", err)
				}
				got := *refused
				got.Cause = nil
				want := *tt.want
				want.Repo = tt.repo
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("Admit = %+v, want %+v", got, want)
				}
				if !strings.Contains(err.Error(), tt.saying) {
					t.Fatalf("the refusal says %q, want %q in it", err, tt.saying)
				}
				if strings.Contains(err.Error(), "x:y@") {
					t.Fatalf("the refusal quotes credentials: %v", err)
				}
			}
		})
	}
	t.Run("a nil service admits everything", func(t *testing.T) {
		var none *Service
		if err := none.Admit(context.Background(), Repo{}); err != nil {
			t.Fatalf("Admit = %v", err)
		}
	})
	t.Run("token mode: a registry that cannot be read is a failure", func(t *testing.T) {
		svc, _, _, _ := newTestService(t)
		svc.Registry = unreadableRegistry{svc.Registry}
		svc.Admission = token
		err := svc.Admit(context.Background(), repo("listed", "https://github.com/acme/listed.git", 0))
		if err == nil || IsRefusal(err) || !strings.Contains(err.Error(), "failed to read the registry") {
			t.Fatalf("Admit = %v, want a failure to read the registry", err)
		}
	})
	t.Run("a not installed app's refusal says GitHub's answer", func(t *testing.T) {
		svc, _, _, _ := newTestService(t)
		svc.Admission = app
		err := svc.Admit(context.Background(), repo("other", "https://github.com/acme/other.git", 7))
		var ni *githubclient.NotInstalledError
		if !errors.As(err, &ni) || ni.Repo != "acme/other" {
			t.Fatalf("Admit = %v, want it to wrap GitHub's *NotInstalledError", err)
		}
	})
}

// unreadableRegistry is a registry the cluster does not answer for.
type unreadableRegistry struct{ Registry }

func (unreadableRegistry) Load(context.Context) (*config.Sources, error) {
	return nil, errors.New("the cluster is unreachable")
}
