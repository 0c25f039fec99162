// Package buildinfo says which Rigel a binary is: the version and revision stamped at build
// time (`-ldflags -X`, by the Makefile's build and the Dockerfile), else what the Go toolchain
// recorded in the binary (runtime/debug.ReadBuildInfo: the module version, vcs.revision).
// Package metrics exports it as rigel_build_info; the CLI's version command can print it.
package buildinfo
