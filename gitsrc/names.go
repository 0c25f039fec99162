package gitsrc

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	repoPart  = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	commitSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// repoDir is where the bare repository of fullName ("owner/name") lives under cacheDir.
// GitHub names are case-insensitive, so the directory is lower case.
func repoDir(cacheDir, fullName string) (string, error) {
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || !validRepoPart(owner) || !validRepoPart(name) {
		return "", fmt.Errorf("invalid repository name %q: want owner/name", fullName)
	}
	return filepath.Join(cacheDir, strings.ToLower(owner), strings.ToLower(name)+".git"), nil
}

func validRepoPart(s string) bool {
	return repoPart.MatchString(s) && s != "." && s != ".." && !strings.HasSuffix(s, ".git")
}

// fullRef turns "main" into "refs/heads/main" and checks that ref is a plain ref name.
func fullRef(ref string) (string, error) {
	if !strings.HasPrefix(ref, "refs/") {
		ref = "refs/heads/" + ref
	}
	if strings.ContainsAny(ref, " ~^:?*[\\\t\n") || strings.Contains(ref, "..") || strings.Contains(ref, "//") ||
		strings.HasSuffix(ref, "/") || strings.HasSuffix(ref, ".lock") || strings.Contains(ref, "@{") {
		return "", fmt.Errorf("invalid ref %q", ref)
	}
	return ref, nil
}

// trackingRef is where a fetched ref is kept: refs/heads/main → refs/rigel/heads/main.
func trackingRef(ref string) string {
	return "refs/rigel/" + strings.TrimPrefix(ref, "refs/")
}

// commitRef keeps a commit fetched by SHA.
func commitRef(sha string) string {
	return "refs/rigel/commits/" + sha
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
