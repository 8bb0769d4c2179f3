"""The simulated account: moto for what it serves, validated fakes for the rest. Used by tests and `sagecheck demo`."""
