package provider

import (
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

// fileEditWarned remembers the clients (one per provider process, so one per
// plan or apply) that already warned about an unreloaded edit.
var fileEditWarned sync.Map

// warnFileEdit warns, once per provider process, that the orchestrator's node
// config file differs from the configuration the admin server serves: somebody
// edited it and did not reload, so this plan cannot see that edit.
func warnFileEdit(diags *diag.Diagnostics, c *client.Client, e *client.FileEdit) {
	if e == nil || c == nil {
		return
	}
	if _, done := fileEditWarned.LoadOrStore(c, true); done {
		return
	}
	diags.AddWarning("Unreloaded Edit of the Node Config File", fileEditDetail(e))
}

func fileEditDetail(e *client.FileEdit) string {
	msg := fmt.Sprintf("The node config file %s on the orchestrator was changed after the admin server last loaded it (sha256 %.12s, noticed %s) and has not been reloaded. "+
		"This plan compares against the live configuration, without that edit; a restart of the orchestrator would make the edit live. ",
		e.Path, e.SHA256, e.NoticedAt.Format("2006-01-02 15:04:05 MST"))
	if !e.LLMChanged && e.Valid {
		msg += "The edit leaves the llm section unchanged, so applies keep it. "
	}
	if e.Valid {
		msg += "To apply the edit, run `aegisctl reload` (or POST /v1/admin/reload) and plan again: it then shows here as changes. "
	} else {
		msg += fmt.Sprintf("The edited file is invalid, so a reload would refuse it: %s. Fix the file, then run `aegisctl reload` (or POST /v1/admin/reload). ", e.Error)
	}
	msg += fmt.Sprintf("To discard the edit, put back the file's previous content (sha256 %.12s), for example from version control.", e.LiveSHA256)
	if e.LLMChanged || !e.Valid {
		msg += " Until then, applies that change LLM providers or aliases are refused (409 file-changed) rather than overwrite the edit."
	}
	return msg
}
