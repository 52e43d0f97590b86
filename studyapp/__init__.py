"""studyapp: a terminal study app for Deep Learning Basics, Optimisation & CNNs."""

__version__ = "0.1.0"
