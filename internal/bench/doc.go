// Package bench measures the provider against Terraform's own floor: the real
// CLI with the provider binary (through dev_overrides) and the reference admin
// server as a separate process on loopback, against the same configuration built
// from terraform_data resources, plus the admin server alone under concurrent
// writers. The measurement itself is TestBench (run by `make bench`, see
// docs/benchmarks.md); this package holds what it reports with: statistics, the
// Markdown results and the chart, and /proc sampling of the processes.
//
// Benchmarks are measured, not asserted by wall time: TestBench fails only when
// something does not work (a command fails, a plan is not empty), never because
// something is slow.
package bench
