"""Offline end-to-end harness: a real kube-apiserver, etcd, controller-manager, scheduler and
kwok fake nodes on 127.0.0.1, and the real Pulumi engine and Kubernetes provider against it.

Build the binaries with `e2e/build.sh`, then `python -m e2e.cluster start|stop`."""
