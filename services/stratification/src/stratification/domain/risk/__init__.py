"""The 12-month emergency admission risk model: features, fitting, scoring, evaluation."""
