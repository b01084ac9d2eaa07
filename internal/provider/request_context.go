package provider

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// terraform-plugin-framework (v1.19, internal/proto6server/serve.go,
// registerContext) wraps the context of every resource and data source RPC in
// context.WithCancel and appends the cancel function to a slice that only
// StopProvider empties. Each of those functions keeps its context alive, and with
// it the whole chain of parents: terraform-plugin-go's per-RPC loggers and their
// options, the gRPC stream's context with its headers. Over one plan of 2000
// resources that is over 100 MB of live heap that is never freed, most of the
// provider's peak RSS.
//
// ReleaseRequestContexts works around it: the resource and data source RPCs that
// Terraform sends once per resource get a context that forwards to the real one
// while the call runs and is cut from it when the call returns, so what the
// framework keeps is a few small objects per RPC. The rest of the interface
// (once per process) is passed through as it is.
func ReleaseRequestContexts(s tfprotov6.ProviderServer) tfprotov6.ProviderServer {
	return releasingServer{s}
}

type releasingServer struct{ tfprotov6.ProviderServer }

// call runs f with a context that is detached from ctx once f returns.
func call[Req, Resp any](ctx context.Context, req Req, f func(context.Context, Req) (Resp, error)) (Resp, error) {
	d := newDetachable(ctx)
	defer d.detach()
	return f(d, req)
}

func (s releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return call(ctx, req, s.ProviderServer.ValidateResourceConfig)
}

func (s releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return call(ctx, req, s.ProviderServer.UpgradeResourceState)
}

func (s releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return call(ctx, req, s.ProviderServer.ReadResource)
}

func (s releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return call(ctx, req, s.ProviderServer.PlanResourceChange)
}

func (s releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return call(ctx, req, s.ProviderServer.ApplyResourceChange)
}

func (s releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return call(ctx, req, s.ProviderServer.ImportResourceState)
}

func (s releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return call(ctx, req, s.ProviderServer.ValidateDataResourceConfig)
}

func (s releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return call(ctx, req, s.ProviderServer.ReadDataSource)
}

// detachable is a context that forwards to its parent until detach, and then
// answers as a canceled context without values. Done always returns the
// parent's channel (captured at creation), so that context.WithCancel on it
// registers with the parent's cancelation as it would on the parent itself.
type detachable struct {
	done <-chan struct{}
	mu   sync.RWMutex
	ctx  context.Context // nil once detached
}

func newDetachable(ctx context.Context) *detachable {
	return &detachable{done: ctx.Done(), ctx: ctx}
}

func (d *detachable) parent() context.Context {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.ctx
}

func (d *detachable) detach() {
	d.mu.Lock()
	d.ctx = nil
	d.mu.Unlock()
}

func (d *detachable) Deadline() (time.Time, bool) {
	if p := d.parent(); p != nil {
		return p.Deadline()
	}
	return time.Time{}, false
}

func (d *detachable) Done() <-chan struct{} { return d.done }

func (d *detachable) Err() error {
	if p := d.parent(); p != nil {
		return p.Err()
	}
	if d.done == nil {
		return nil
	}
	select {
	case <-d.done:
		return context.Canceled
	default:
		return nil
	}
}

func (d *detachable) Value(key any) any {
	if p := d.parent(); p != nil {
		return p.Value(key)
	}
	return nil
}
