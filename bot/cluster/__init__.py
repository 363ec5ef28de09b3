"""Running several replicas: the shared stores they use, a local cluster behind HAProxy, the load test."""
