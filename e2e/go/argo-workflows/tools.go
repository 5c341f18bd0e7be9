//go:build tools

// Package tools pins the Argo Workflows controller main package so that
// `go build` of it resolves through this module's go.mod and go.sum.
package tools

import (
	_ "github.com/argoproj/argo-workflows/v4/cmd/workflow-controller"
)
