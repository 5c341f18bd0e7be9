"""What `make recover` (scripts/recover.py) decides about an interrupted run, one concern per module:
locks (is a run still active?), pending (what each pending operation becomes), helm (the rule for
releases an interrupted run left half-made), aws (the AWS resources whose ID is their name)."""
