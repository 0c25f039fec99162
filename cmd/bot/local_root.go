package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// localRoot returns the tree a local folder dir (absolute, symlinks resolved) is rendered
// from and the folder in it, slash-separated: the git checkout holding dir (the nearest
// folder above it with a .git entry), so that a kustomization's bases in sibling folders
// resolve and the folder stamped in helmsman.dev/source-path is the one the bot stamps for
// the same repository; else dir's parent and dir's name.
func localRoot(dir string) (root, folder string, checkout bool, err error) {
	for d := dir; ; {
		_, err := os.Lstat(filepath.Join(d, ".git"))
		switch {
		case err == nil:
			rel, err := filepath.Rel(d, dir)
			if err != nil {
				return "", "", false, err
			}
			return d, filepath.ToSlash(rel), true, nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", "", false, err
		}
		up := filepath.Dir(d)
		if up == d {
			return filepath.Dir(dir), filepath.Base(dir), false, nil
		}
		d = up
	}
}
