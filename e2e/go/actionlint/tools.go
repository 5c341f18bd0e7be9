//go:build tools

// Package tools pins actionlint (the GitHub workflow linter the delivery tests run, with Debian's
// shellcheck for the run: scripts) so that `go build` of it resolves through this module's
// go.mod and go.sum.
package tools

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
