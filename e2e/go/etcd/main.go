// Command etcd runs the etcd 3.6 server (the upstream binary's main is this call).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
