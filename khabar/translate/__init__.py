"""Offline machine translation: a batched engine over installed Argos Translate packages."""
