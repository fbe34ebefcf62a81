// Palisade's Prometheus metrics, one file per concern; every process serves its registry at GET /metrics (the API
// on its port, worker roles on workers.metricsPort). LLM and intel metrics live in activities/proposal/metrics.ts.
// The Temporal SDK's own metrics have their own listener (temporal-runtime.ts). The README lists every series.
export * from './registry';
export * from './api';
export * from './cases';
export * from './enforcement';
export * from './proactive';
export * from './scans';
export * from './serve';
export * from './temporal-runtime';
