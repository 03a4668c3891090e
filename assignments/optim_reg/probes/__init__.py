"""The optim_reg probes (see autograder/probes/__init__.py): optimizer runs, init/dropout/L2 batteries, early
stopping scripts and the training run. The assignment collects them from these modules."""
