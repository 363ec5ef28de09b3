"""Running several replicas: the tracker and lock stores they share (tools/local_cluster.py runs them locally)."""
