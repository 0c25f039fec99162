package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

const (
	secret    = "demo-webhook-secret"
	namespace = "rigel-system"
	repoName  = "acme/shop"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	step("Starting a local cluster (kube-apiserver + etcd), a git server and a stand-in for GitHub")
	cluster, err := testenv.StartCluster()
	if err != nil {
		return err
	}
	defer cluster.Stop()
	if err := testenv.RunWorkloadStatus(ctx, cluster.Config); err != nil {
		return err
	}
	git, err := testenv.StartGitServer()
	if err != nil {
		return err
	}
	defer git.Stop()
	gh, err := testenv.StartGitHub(git)
	if err != nil {
		return err
	}
	defer gh.Stop()
	if _, err := git.CreateRepo(repoName, "main", shopFiles(2, "s3cr3t-v1")); err != nil {
		return err
	}
	gh.AddRepo(repoName, "main", git.CloneURL(repoName))
	gh.AddIssue(repoName, 1, "Deploy the web app")

	kc, err := kube.New(cluster.Config)
	if err != nil {
		return err
	}
	if err := cluster.CreateNamespace(namespace); err != nil {
		return err
	}
	cache, err := os.MkdirTemp("", "rigel-demo-cache-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cache)
	no, yes := false, true
	s := &config.Settings{Namespace: namespace, GitHubAPIURL: gh.URL(), GitHubWebURL: gh.WebURL(), GitURL: git.URL(), ListenAddr: "127.0.0.1:0", InternalListenAddr: "127.0.0.1:0", AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM,
		WebhookSecret: secret, CacheDir: cache, DiffConcurrency: 32, Workers: 4, QueueSize: 100, ApplyWait: 30 * time.Second,
		RequireApproval: true, RequireMergeable: true, // as LoadSettings defaults them
		// The shipped default (no cluster-scoped objects), opened only for the demo folder's
		// Namespace object, as a cluster admin would: RIGEL_DEFAULT_NAMESPACE_OBJECTS=true.
		DefaultPolicy: config.Policy{ClusterScoped: &no, NamespaceObjects: &yes}}
	logFile, err := os.CreateTemp("", "rigel-demo-*.log")
	if err != nil {
		return err
	}
	defer logFile.Close()
	log := zerolog.New(logFile).With().Timestamp().Logger()
	app.RouteKlog(log) // client-go's lines (leader election) go to the bot's log, not between the comments
	a, err := app.New(ctx, s, kc, log)
	if err != nil {
		return err
	}
	l, internal, err := app.Listen(s.ListenAddr, s.InternalListenAddr)
	if err != nil {
		return err
	}
	go func() { _ = a.Serve(ctx, l, internal) }()
	hook := "http://" + l.Addr().String() + app.HookPath
	fmt.Printf("Rigel listens on %s, acting as %s; its log: %s\n", hook, a.BotLogin, logFile.Name())

	talk := &conversation{gh: gh, git: git, hook: hook, repo: repoName, number: 1}
	step("Issue #1 \"Deploy the web app\" in " + repoName)
	for _, cmd := range []string{
		"/rigel add-deployment",
		"/rigel add-deployment apps/web/k8s",
		"/rigel diff web",
		"/rigel sync web",
		"/rigel apply web",
		"/rigel list",
	} {
		if err := talk.say(cmd); err != nil {
			return err
		}
	}

	step("A teammate opens PR #2: 3 replicas and a new database password")
	head, err := git.Commit(repoName, "more-replicas", shopFiles(3, "s3cr3t-v2"), "web: 3 replicas, rotate the password")
	if err != nil {
		return err
	}
	if err := gh.AddPull(repoName, 2, head, "more-replicas", "main"); err != nil {
		return err
	}
	pr := &conversation{gh: gh, git: git, hook: hook, repo: repoName, number: 2, isPR: true}
	for _, cmd := range []string{"/rigel diff web", "/rigel sync web", "/rigel aply web", "/rigel apply web"} {
		if err := pr.say(cmd); err != nil {
			return err
		}
	}
	gh.AddReview(repoName, 2, "teammate", "APPROVED") // Rigel applies a PR only once it is approved
	fmt.Println("\n  ✔ teammate approved PR #2 (Rigel applies a pull request only once it is approved and mergeable)")
	if err := pr.say("/rigel apply web"); err != nil {
		return err
	}

	if err := playLinkAndFix(ctx, kc, gh, git, hook); err != nil {
		return err
	}

	step("What is in the cluster now")
	if err := showObjects(ctx, kc, "shop"); err != nil {
		return err
	}
	step("The registry: ConfigMap " + config.SourcesConfigMap + " in " + namespace)
	return showConfigMap(ctx, kc)
}

func step(s string) {
	fmt.Printf("\n\033[1m══ %s\033[0m\n", s)
}
