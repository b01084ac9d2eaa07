// Command terraform-provider-aegis serves the aegis Terraform/OpenTofu provider.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/provider"
)

// Set by goreleaser through -ldflags.
var (
	version = "dev"
	commit  = "none"
)

// profileStop ends the profiles pprof.go starts (only in builds with -tags pprof).
var profileStop = func() {}

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	// Logging costs nothing unless someone asked for it (see the function). A
	// provider run with -debug writes to its own terminal: left as it was.
	if !debug {
		provider.QuietUnrequestedLogging("aegis")
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/100monkeys-ai/aegis",
		Debug:   debug,
	})
	profileStop()
	if err != nil {
		log.Fatalf("terraform-provider-aegis %s (%s): %s", version, commit, err)
	}
}
