"""Probes of norm_sched: requests of calls on a submission, run in the grader."""
