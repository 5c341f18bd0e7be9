# End-to-end harness targets. The main Makefile pulls them in with `-include e2e/e2e.mk`;
# standalone: `make -f e2e/e2e.mk e2e-cluster-up`. Binaries are built by e2e/build.sh into
# $(EKS_PLATFORM_E2E_CACHE) (default ~/.cache/eks-platform-e2e); run state is in build/e2e.
E2E_PY ?= $(or $(PY),.venv/bin/python)

.PHONY: e2e-build e2e-cluster-up e2e-cluster-down e2e-smoke e2e-test

e2e-build: ## build the e2e binaries (pulumi, provider, control plane, kubectl, etcd, kwok, Argo controllers) into the cache
	e2e/build.sh

e2e-cluster-up: e2e-build ## start the local control plane on 127.0.0.1; prints the kubeconfig path
	$(E2E_PY) -m e2e.cluster start

e2e-cluster-down: ## stop the local control plane (by pid files; safe to repeat)
	$(E2E_PY) -m e2e.cluster stop

e2e-smoke: e2e-cluster-up ## real engine: up, no-change preview, destroy of a Namespace and a ConfigMap
	$(E2E_PY) -m e2e.smoke

e2e-test: e2e-build ## the e2e pytest tier (starts and stops its own control plane)
	EKS_PLATFORM_E2E=1 $(E2E_PY) -m pytest tests/e2e
