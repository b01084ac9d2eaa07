package provider

import (
	"context"
	"errors"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// keepingServer stands for terraform-plugin-framework's server: it keeps the
// context of every call (the framework keeps a cancel function of a context
// derived from it until StopProvider).
type keepingServer struct {
	tfprotov6.ProviderServer
	kept    []context.Context
	cancels []context.CancelFunc
	during  any
}

type ctxKey struct{}

func (k *keepingServer) PlanResourceChange(ctx context.Context, _ *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	child, cancel := context.WithCancel(ctx) //nolint:gosec // kept, not called, as the framework keeps it
	k.kept = append(k.kept, child)
	k.cancels = append(k.cancels, cancel)
	k.during = child.Value(ctxKey{})
	return &tfprotov6.PlanResourceChangeResponse{}, nil
}

// TestReleaseRequestContexts: during the call the server sees the request's
// context (its values, its cancelation); once the call returned, what the server
// kept no longer reaches the request's values.
func TestReleaseRequestContexts(t *testing.T) {
	k := &keepingServer{}
	s := ReleaseRequestContexts(k)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "per-request data"))
	if _, err := s.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{}); err != nil {
		t.Fatal(err)
	}
	if k.during != "per-request data" {
		t.Errorf("during the call the context carries %v, want the request's value", k.during)
	}
	kept := k.kept[0]
	if v := kept.Value(ctxKey{}); v != nil {
		t.Errorf("after the call the kept context still reaches %v: the request's context is kept alive", v)
	}
	if kept.Err() != nil {
		t.Errorf("kept context canceled before the request ended: %v", kept.Err())
	}
	// The request ends (gRPC cancels its context): the derived one follows.
	cancel()
	<-kept.Done()
	if !errors.Is(kept.Err(), context.Canceled) {
		t.Errorf("kept context after the request ended: %v, want canceled", kept.Err())
	}
}
