package provider

import (
	"os"
	"strings"
)

// Terraform and OpenTofu pass their environment to the provider process. When
// nobody asked for logs (no TF_LOG, TF_LOG_SDK* or TF_LOG_PROVIDER* variable),
// the CLI reads every line the plugin writes to stderr and drops it; but
// terraform-plugin-go and -framework default their loggers to TRACE, so without
// this the plugin formats and sends a JSON line for every RPC, every schema
// walk and every plan modifier — a third of the provider's CPU time in a plan.
//
// QuietUnrequestedLogging therefore sets the SDK's own level variables to "off"
// before serving, and changes nothing when any of them, or TF_LOG, is set:
// TF_LOG=trace logs exactly as before. It returns the variables it set.
func QuietUnrequestedLogging(providerType string) []string {
	if LoggingRequested(os.Environ()) {
		return nil
	}
	var set []string
	for _, name := range quietLogVars(providerType) {
		if err := os.Setenv(name, "off"); err == nil {
			set = append(set, name)
		}
	}
	return set
}

// LoggingRequested reports whether environ (os.Environ form) asks for any log
// the provider process could write: TF_LOG (Terraform's and OpenTofu's switch
// for everything), or any TF_LOG_SDK* or TF_LOG_PROVIDER* variable. An empty
// value counts as unset, as it does for the CLI and for terraform-plugin-log.
func LoggingRequested(environ []string) bool {
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if value == "" {
			continue
		}
		if name == "TF_LOG" || strings.HasPrefix(name, "TF_LOG_SDK") || strings.HasPrefix(name, "TF_LOG_PROVIDER") {
			return true
		}
	}
	return false
}

// quietLogVars are the level variables terraform-plugin-log reads in the plugin
// process: the SDK root logger, its proto and framework subsystems (which do not
// inherit the root's level: unset means TRACE), and the provider's own logger,
// TF_LOG_PROVIDER_<TYPE> (the plugin does not read TF_LOG_PROVIDER itself).
func quietLogVars(providerType string) []string {
	return []string{
		"TF_LOG_SDK",
		"TF_LOG_SDK_PROTO",
		"TF_LOG_SDK_FRAMEWORK",
		"TF_LOG_PROVIDER_" + strings.ToUpper(strings.ReplaceAll(providerType, "-", "_")),
	}
}
