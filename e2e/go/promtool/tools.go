//go:build tools

// Package tools pins promtool (Prometheus v3.16.0; the Go module's v0.316.0) so that
// `go build` of it resolves through this module's go.mod and go.sum.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
