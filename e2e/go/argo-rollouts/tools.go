//go:build tools

// Package tools pins the Argo Rollouts controller and kubectl plugin main packages so that
// `go build` of them resolves through this module's go.mod and go.sum.
package tools

import (
	_ "github.com/argoproj/argo-rollouts/cmd/kubectl-argo-rollouts"
	_ "github.com/argoproj/argo-rollouts/cmd/rollouts-controller"
)
