"""Autograded assignments on optimization and regularization for deep learning."""
