// The scenario runs in real time against real Kestrel servers: one test at a time, so they do not slow each other down.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
