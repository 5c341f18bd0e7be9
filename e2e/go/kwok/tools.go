//go:build tools

// Package tools pins the standalone kwok main package so that `go build` of it
// resolves through this module's go.mod and go.sum.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
