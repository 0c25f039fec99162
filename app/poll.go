package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/ops"
)

// pollLoop is the polling fallback of push-triggered sync (issue 12): every
// RIGEL_POLL_INTERVAL, jittered ±10%, the leader reads the branch tip of each repository
// with a deployment registered with applyOn: push (from Rigel's git host only) and hands it
// to commands.Runner.PollPush, which applies and reports a tip whose push was not delivered
// exactly as the push would have been (ops.ApplyOnPush). A tip already synced or judged is
// left alone.
type pollLoop struct {
	runner   *commands.Runner
	registry ops.Registry
	clients  *githubclient.Clients
	usesApp  bool
	appID    int64 // Rigel's GitHub App; 0 in token mode
	interval time.Duration
}

// newPollLoop is the polling loop of runner, nil when RIGEL_POLL_INTERVAL is 0 (off).
func newPollLoop(s *config.Settings, runner *commands.Runner, clients *githubclient.Clients) *pollLoop {
	if s.PollInterval <= 0 {
		return nil
	}
	return &pollLoop{runner: runner, registry: runner.Ops.Registry, clients: clients, usesApp: s.UsesApp(), appID: s.AppID, interval: s.PollInterval}
}

// run polls at once (a new leader does not know what was delivered while none led), then
// every jittered interval, until ctx ends (the leadership with it).
func (p *pollLoop) run(ctx context.Context) {
	log := zerolog.Ctx(ctx)
	for {
		start := time.Now()
		n, err := p.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		ev := log.Info()
		if err != nil {
			ev = log.Warn().Err(err)
		}
		ev.Int("repos", n).Dur("took", time.Since(start)).Msg("poll of applyOn: push branches done")
		select {
		case <-ctx.Done():
			return
		case <-time.After(jitter(p.interval)):
		}
	}
}

// poll judges the tip of every repository with deployments that apply on push; it returns how
// many repositories it read. One repository's failure does not stop the others.
func (p *pollLoop) poll(ctx context.Context) (int, error) {
	src, err := p.registry.Load(ctx)
	if err != nil {
		return 0, fmt.Errorf("failed to read the registry: %w", err)
	}
	n := 0
	var last error
	for _, repo := range src.Repos {
		var deps []string
		for _, d := range repo.Deployments {
			if d.ApplyOn == config.ApplyOnPush {
				deps = append(deps, d.Name)
			}
		}
		if len(deps) == 0 {
			continue
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		n++
		rlog := zerolog.Ctx(ctx).With().Str("repo", repo.Repo).Str("branch", repo.Branch).Logger()
		if err := p.pollRepo(rlog.WithContext(ctx), repo, deps); err != nil {
			rlog.Warn().Err(err).Msg("poll of an applyOn: push branch failed; trying again at the next poll")
			last = err
		}
	}
	return n, last
}

// pollRepo judges the tip of repo's branch for deps, through the repository's installation.
func (p *pollLoop) pollRepo(ctx context.Context, repo config.Repo, deps []string) error {
	owner, name, ok := strings.Cut(repo.Repo, "/")
	if !ok || owner == "" || name == "" {
		return fmt.Errorf("the registry names %q, not owner/name", repo.Repo)
	}
	if repo.CloneURL == "" || (repo.InstallationID == 0 && p.usesApp) {
		gh, found, err := p.clients.LookupRepo(ctx, repo.Repo)
		if err != nil {
			return fmt.Errorf("failed to ask GitHub about %s: %w", repo.Repo, err)
		}
		if !found {
			return fmt.Errorf("GitHub does not show %s to Rigel", repo.Repo)
		}
		if repo.CloneURL == "" {
			repo.CloneURL = gh.CloneURL
		}
		if repo.InstallationID == 0 {
			repo.InstallationID = gh.InstallationID
		}
	}
	gh, err := forges{p.clients}.ForInstallation(repo.InstallationID)
	if err != nil {
		return fmt.Errorf("failed to reach %s on GitHub: %w", repo.Repo, err)
	}
	r := commands.Repo{Owner: owner, Name: name, CloneURL: repo.CloneURL, Installation: repo.InstallationID}
	return p.runner.PollPush(ctx, gh, r, repo.Branch, deps, commands.PollOptions{AppID: p.appID})
}
