package adminapi

import "github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"

// ProblemTypePrefix prefixes every problem type of the API.
const ProblemTypePrefix = "urn:aegis:problem:"

// Problem types (docs/admin-api.md, "Errors"), with the status each is sent with.
const (
	ProblemBadRequest         = ProblemTypePrefix + "bad-request"            // 400
	ProblemUnauthorized       = ProblemTypePrefix + "unauthorized"           // 401
	ProblemForbidden          = ProblemTypePrefix + "forbidden"              // 403
	ProblemNotFound           = ProblemTypePrefix + "not-found"              // 404
	ProblemMethodNotAllowed   = ProblemTypePrefix + "method-not-allowed"     // 405
	ProblemProviderInUse      = ProblemTypePrefix + "provider-in-use"        // 409
	ProblemFileChanged        = ProblemTypePrefix + "file-changed"           // 409
	ProblemProviderDeleting   = ProblemTypePrefix + "provider-deleting"      // 409
	ProblemAliasShared        = ProblemTypePrefix + "alias-shared"           // 409, aegis/v1
	ProblemProviderReferenced = ProblemTypePrefix + "provider-referenced"    // 409, aegis/v1
	ProblemPreconditionFailed = ProblemTypePrefix + "precondition-failed"    // 412
	ProblemTooLarge           = ProblemTypePrefix + "too-large"              // 413
	ProblemUnsupportedMedia   = ProblemTypePrefix + "unsupported-media"      // 415
	ProblemValidation         = ProblemTypePrefix + "validation"             // 422
	ProblemIdempotencyReused  = ProblemTypePrefix + "idempotency-key-reused" // 422
	ProblemReloadFailed       = ProblemTypePrefix + "reload-failed"          // 424
	ProblemTooMany            = ProblemTypePrefix + "too-many"               // 429
	ProblemInternal           = ProblemTypePrefix + "internal"               // 500
	ProblemWriteFailed        = ProblemTypePrefix + "write-failed"           // 503
	ProblemUnavailable        = ProblemTypePrefix + "unavailable"            // 503
)

// Problem is an application/problem+json document (RFC 9457) with the API's
// extensions.
type Problem struct {
	Type   string                 `json:"type"`
	Title  string                 `json:"title"`
	Status int                    `json:"status"`
	Detail string                 `json:"detail"`
	Errors []llmconfig.FieldError `json:"errors"`
	// Aliases lists the aliases that still point to a provider (provider-in-use).
	Aliases []string `json:"aliases,omitempty"`
	// CurrentRevision is the object's revision on the server (precondition-failed),
	// absent when the object does not exist.
	CurrentRevision string `json:"current_revision,omitempty"`
}
