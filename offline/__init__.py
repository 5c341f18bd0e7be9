"""Run the Pulumi program offline: recording mocks, a runner, and the `make synth` plan.

No cloud credentials, no Pulumi CLI, no plugins: every resource registration goes to an
in-process mock monitor that records what the program declared.
"""
