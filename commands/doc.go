// Package commands is Rigel's conversation: the "/rigel <verb> [args] [--flags]" grammar, help
// and "did you mean", each command (add-deployment, remove-deployment, list, diff, sync, apply),
// and the markdown replies. It talks to GitHub through the small GitHub interface it owns, so it
// can be driven by webhooks (package handlers) or anything else; rendering, diffing and applying
// live in package sync, the registry in package config, git in package gitsrc.
package commands
