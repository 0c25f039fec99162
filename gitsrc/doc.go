// Package gitsrc fetches commits of GitHub repositories with go-git (no git binary) and
// exposes a commit's tree as an fs.FS.
//
// A Source keeps one bare repository per GitHub repository under its cache dir
// (<cacheDir>/<owner>/<name>.git). Fetch asks the server only for the ref it is given
// (refspec +<ref>:refs/rigel/<ref without "refs/">), shallow (depth 1), and fetches an exact
// commit by SHA when the ref has moved on. A commit already in the cache is served without
// touching the network. Fetches of one repository are serialized; different repositories
// fetch in parallel.
//
// The first fetch of a repository writes its pack to a file and indexes it in one pass as it
// comes (indexpack.go), in bounded memory: 40 bytes an object for the index (packindex.go, git's
// idx v2) and a delta-base cache of 4 MiB growing with the biggest object read, up to 32 MiB
// (basecache.go). A fetch into a repository that already holds a commit asks for a thin pack and stores the
// new objects loose (thinpack.go): after a one-file push only that file's blob, its trees and
// the commit come, as with `git fetch --depth 1`; a repository gathering more than 20,000
// loose objects is fetched again into one pack. NewBounded bounds the cache (cache.go,
// RIGEL_CACHE_MAX): past its bytes, the least recently used repositories are removed, never
// one whose lock is held or that was used within CacheOptions.InUseFor (a Snapshot may still
// be read).
//
// Credentials are passed as HTTP basic auth, never in the URL, and errors never contain
// the token. A Source talks to one git host only (Host, host.go: the scheme, host and port
// Rigel is configured for): a clone URL elsewhere is a *HostError before any request is made
// or any credential asked for, so no caller can send a token to a host a registry entry or a
// payload names.
//
// A Snapshot reads files straight from the git object store (no checkout). Symbolic links
// are listed with fs.ModeSymlink but never followed: opening one fails with ErrSymlink.
// Submodules appear as empty directories.
//
// Logs go to zerolog.Ctx(ctx): the caller's logger names the repository (with the delivery and
// issue of a command); gitsrc adds only the ref, commit or branch, never a key twice.
package gitsrc
