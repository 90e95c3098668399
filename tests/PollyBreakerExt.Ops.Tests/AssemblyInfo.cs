// The integration test runs real Kestrel and a real Prometheus in real time, and Polly's meter is one per process: one
// test at a time, so that no other test's breaker shows up in the scraped /metrics.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
