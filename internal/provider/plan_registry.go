package provider

import (
	"sync"
	"sync/atomic"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

// One provider process plans every resource of a graph walk (Terraform starts a
// fresh process per walk: validate, plan, apply). planRegistry is what the plans of
// that walk have seen so far, shared by the resources through their client:
//
//   - the provider settings each aegis_llm_provider plans, so that an alias whose
//     provider changes model shows the new model in the same plan (Terraform
//     refreshes and plans an alias that references its provider after that
//     provider; the alias's Read records the change in its private state, which
//     the apply walk's re-plan sees too: see alias_stash.go);
//   - how many resources plan to manage each name, so that two resources of one
//     configuration that manage the same object are refused at plan.
type planRegistry struct {
	mu        sync.Mutex
	providers map[string]plannedProvider
	managed   map[string]int
	// refreshed is set by the first alias Read of the process: this is a plan
	// walk that refreshes (an apply walk reads nothing): see the retarget rule
	// in aegis_llm_alias's ModifyPlan.
	refreshed atomic.Bool
}

type plannedProvider struct {
	Model, Type string
	// Revision is the provider's planned revision (a content hash).
	Revision string
	// Changes is set when the plan creates the provider or changes its model or type.
	Changes bool
}

var registries sync.Map // *client.Client → *planRegistry

func registryFor(c *client.Client) *planRegistry {
	if r, ok := registries.Load(c); ok {
		return r.(*planRegistry)
	}
	r, _ := registries.LoadOrStore(c, &planRegistry{
		providers: map[string]plannedProvider{}, managed: map[string]int{},
	})
	return r.(*planRegistry)
}

// planProvider records the plan of a provider.
func (r *planRegistry) planProvider(name string, p plannedProvider) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.providers[name] = p
}

// provider returns what this walk plans for a provider, if it planned it yet.
func (r *planRegistry) provider(name string) (plannedProvider, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.providers[name]
	return p, ok
}

// manage counts a resource planning to manage kind/name and reports how many
// resources of this walk did so (more than one is a duplicate).
func (r *planRegistry) manage(kind, name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.managed[kind+"/"+name]++
	return r.managed[kind+"/"+name]
}

// markRefreshed records that this process refreshed an alias.
func (r *planRegistry) markRefreshed() {
	if !r.refreshed.Load() {
		r.refreshed.Store(true)
	}
}
