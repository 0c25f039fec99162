package testenv

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// GitServer serves bare repositories over smart HTTP with the real git http-backend, like
// github.com does: basic auth whose password must be an allowed token (any username).
type GitServer struct {
	root    string // bare repos: root/<owner>/<name>.git
	home    string // HOME for git commands
	backend string
	srv     *httptest.Server

	mu       sync.Mutex
	tokens   map[string]bool
	requests []string
}

// Fixed identity and date: the same content, parent and message give the same commit SHA.
var gitCommitEnv = []string{
	"GIT_AUTHOR_NAME=Rigel Test", "GIT_AUTHOR_EMAIL=test@rigel.invalid",
	"GIT_COMMITTER_NAME=Rigel Test", "GIT_COMMITTER_EMAIL=test@rigel.invalid",
}

const gitCommitTime = "1704067200 +0000" // 2024-01-01T00:00:00Z

// StartGitServer starts a git smart-HTTP server on 127.0.0.1 with repositories in a temp dir.
func StartGitServer() (*GitServer, error) {
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return nil, fmt.Errorf("failed to find git exec path (is git installed?): %w", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		return nil, fmt.Errorf("failed to find git-http-backend: %w", err)
	}
	root, err := os.MkdirTemp("", "rigel-git-")
	if err != nil {
		return nil, fmt.Errorf("failed to create git server temp dir: %w", err)
	}
	gs := &GitServer{
		root:    filepath.Join(root, "repos"),
		home:    filepath.Join(root, "home"),
		backend: backend,
		tokens:  map[string]bool{},
	}
	for _, d := range []string{gs.root, gs.home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("failed to create %s: %w", d, err)
		}
	}
	gs.srv = httptest.NewServer(http.HandlerFunc(gs.serve))
	return gs, nil
}

func (gs *GitServer) serve(w http.ResponseWriter, r *http.Request) {
	gs.mu.Lock()
	gs.requests = append(gs.requests, r.Method+" "+r.URL.RequestURI())
	_, pass, ok := r.BasicAuth()
	allowed := ok && gs.tokens[pass]
	gs.mu.Unlock()
	if !allowed {
		w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
		http.Error(w, "Invalid username or token.", http.StatusUnauthorized)
		return
	}
	h := &cgi.Handler{
		Path:   gs.backend,
		Root:   "/",
		Dir:    gs.root,
		Stderr: io.Discard, // e.g. "Not a git repository" for unknown repos, answered with 404
		Env: append([]string{
			"GIT_PROJECT_ROOT=" + gs.root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"HOME=" + gs.home,
			"REMOTE_USER=x-access-token",
		}, gitCommitEnv...),
	}
	h.ServeHTTP(w, r)
}

// URL is the server's base URL, "http://127.0.0.1:port".
func (gs *GitServer) URL() string { return gs.srv.URL }

// CloneURL is the HTTP clone URL of a repository, "http://127.0.0.1:port/acme/web.git".
func (gs *GitServer) CloneURL(fullName string) string {
	return gs.srv.URL + "/" + fullName + ".git"
}

// RepoDir is the path of a repository's bare git dir on disk.
func (gs *GitServer) RepoDir(fullName string) string {
	return filepath.Join(gs.root, filepath.FromSlash(fullName)+".git")
}

// AllowToken makes tok a valid password for the server.
func (gs *GitServer) AllowToken(tok string) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	gs.tokens[tok] = true
}

// RevokeToken makes tok invalid again.
func (gs *GitServer) RevokeToken(tok string) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	delete(gs.tokens, tok)
}

// Requests returns "METHOD /path?query" of every HTTP request served so far.
func (gs *GitServer) Requests() []string {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	return append([]string(nil), gs.requests...)
}

// Stop shuts the server down and removes all repositories.
func (gs *GitServer) Stop() {
	gs.srv.Close()
	_ = os.RemoveAll(filepath.Dir(gs.root))
}

// git runs git in dir with a hermetic environment.
func (gs *GitServer) git(dir string, stdin []byte, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+gs.home, "GIT_TERMINAL_PROMPT=0")
	cmd.Env = append(cmd.Env, gitCommitEnv...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s failed: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// CreateRepo creates bare repository fullName ("acme/web") with branch as its default branch
// and a first commit holding files. It returns the commit's SHA.
func (gs *GitServer) CreateRepo(fullName, branch string, files map[string]string) (string, error) {
	dir := gs.RepoDir(fullName)
	if _, err := os.Stat(dir); err == nil {
		return "", fmt.Errorf("failed to create repo %s: it exists", fullName)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("failed to create repo %s: %w", fullName, err)
	}
	if _, err := gs.git(filepath.Dir(dir), nil, "init", "--bare", "--initial-branch="+branch, dir); err != nil {
		return "", fmt.Errorf("failed to create repo %s: %w", fullName, err)
	}
	for _, kv := range [][2]string{
		{"http.receivepack", "true"},
		{"uploadpack.allowReachableSHA1InWant", "true"},
		{"uploadpack.allowAnySHA1InWant", "true"},
		{"uploadpack.allowTipSHA1InWant", "true"},
	} {
		if _, err := gs.git(dir, nil, "config", kv[0], kv[1]); err != nil {
			return "", fmt.Errorf("failed to configure repo %s: %w", fullName, err)
		}
	}
	return gs.Commit(fullName, branch, files, "Initial commit")
}

// Commit adds a commit on branch that writes files; a file whose content is "" is deleted.
// A missing branch is created from the default branch's tip. It returns the new commit's SHA.
func (gs *GitServer) Commit(fullName, branch string, files map[string]string, message string) (string, error) {
	return gs.commit(fullName, branch, message, func(b *bytes.Buffer) {
		paths := make([]string, 0, len(files))
		for p := range files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			if files[p] == "" {
				fmt.Fprintf(b, "D %s\n", fastImportPath(p))
				continue
			}
			fmt.Fprintf(b, "M 100644 inline %s\ndata %d\n%s\n", fastImportPath(p), len(files[p]), files[p])
		}
	})
}

// CommitSymlink adds a commit on branch that makes path a symbolic link to target.
func (gs *GitServer) CommitSymlink(fullName, branch, path, target string) (string, error) {
	return gs.commit(fullName, branch, "Add symlink "+path, func(b *bytes.Buffer) {
		fmt.Fprintf(b, "M 120000 inline %s\ndata %d\n%s\n", fastImportPath(path), len(target), target)
	})
}

func (gs *GitServer) commit(fullName, branch, message string, changes func(*bytes.Buffer)) (string, error) {
	dir := gs.RepoDir(fullName)
	ref := "refs/heads/" + branch
	parent, _ := gs.git(dir, nil, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if parent == "" { // a new branch starts from the default branch's tip, if any
		parent, _ = gs.git(dir, nil, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "commit %s\n", ref)
	fmt.Fprintf(&b, "author Rigel Test <test@rigel.invalid> %s\n", gitCommitTime)
	fmt.Fprintf(&b, "committer Rigel Test <test@rigel.invalid> %s\n", gitCommitTime)
	if !strings.HasSuffix(message, "\n") {
		message += "\n"
	}
	fmt.Fprintf(&b, "data %d\n%s", len(message), message)
	if parent != "" {
		fmt.Fprintf(&b, "from %s\n", parent)
	}
	changes(&b)
	b.WriteString("\n")
	if _, err := gs.git(dir, b.Bytes(), "fast-import", "--quiet", "--force"); err != nil {
		return "", fmt.Errorf("failed to commit to %s %s: %w", fullName, branch, err)
	}
	sha, err := gs.git(dir, nil, "rev-parse", ref)
	if err != nil {
		return "", fmt.Errorf("failed to read %s of %s: %w", ref, fullName, err)
	}
	return sha, nil
}

// fastImportPath quotes a path for git fast-import when it needs it.
func fastImportPath(p string) string {
	if strings.ContainsAny(p, "\"\n\\") || strings.HasPrefix(p, " ") {
		return strconv.Quote(p)
	}
	return p
}

// SetRef points ref (e.g. "refs/pull/7/head") of repository fullName at sha.
func (gs *GitServer) SetRef(fullName, ref, sha string) error {
	if _, err := gs.git(gs.RepoDir(fullName), nil, "update-ref", ref, sha); err != nil {
		return fmt.Errorf("failed to set %s of %s: %w", ref, fullName, err)
	}
	return nil
}

// Head returns the SHA that ref (a branch name or full ref) of repository fullName points at.
func (gs *GitServer) Head(fullName, ref string) (string, error) {
	sha, err := gs.git(gs.RepoDir(fullName), nil, "rev-parse", "--verify", ref+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("failed to resolve %s of %s: %w", ref, fullName, err)
	}
	return sha, nil
}
