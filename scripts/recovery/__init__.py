"""What `make recover` (scripts/recover.py) reads and decides about an interrupted run, one concern
per module: locks (is a run still active?), checkpoint (a state file a kill left unreadable),
pending (the pending operations and the state edit), helm (the rule for half-made releases), aws
(the AWS resources whose ID is their name), decisions (those rules applied to one stack), cli (the
commands, through one runner)."""
