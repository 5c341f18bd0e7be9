// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider.
//
// Upstream's cmd/pulumi-resource-kubernetes embeds schema-embed.json, a file
// generated at release time and absent from the module zip. e2e/build.sh copies
// the schema.json and terraform-mapping.json that the module zip does ship next
// to this file before building; they are not committed.
package main

import (
	_ "embed"
	"runtime/debug"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

const providerModule = "github.com/pulumi/pulumi-kubernetes/provider/v4"

//go:embed schema.json
var pulumiSchema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

// providerVersion reports the linker-stamped version if any, else the module
// version this binary was built from, so it never claims a release it is not.
func providerVersion() string {
	if version.Version != "" {
		return version.Version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == providerModule {
				return dep.Version
			}
		}
	}
	return ""
}

func main() {
	provider.Serve("kubernetes", providerVersion(), pulumiSchema, terraformMapping)
}
