"""The reference app's one Django app: the InferenceJob model, probes and checkenv."""
