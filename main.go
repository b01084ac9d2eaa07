// Command terraform-provider-aegis serves the aegis Terraform/OpenTofu provider.
package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

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

	// providerserver.Serve, with the framework's server wrapped so that it does
	// not keep every request's context alive (see ReleaseRequestContexts).
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	framework := providerserver.NewProtocol6(provider.New(version)())
	err := tf6server.Serve("registry.terraform.io/100monkeys-ai/aegis", func() tfprotov6.ProviderServer {
		return provider.ReleaseRequestContexts(framework())
	}, opts...)
	profileStop()
	if err != nil {
		log.Fatalf("terraform-provider-aegis %s (%s): %s", version, commit, err)
	}
}
