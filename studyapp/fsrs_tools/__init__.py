"""FSRS on the learner's own history: parameters fitted to their reviews, and a workload and exam planner.

Both use fsrs-rs, the Rust FSRS engine inside Anki (``fsrs_rs_python``): ``history`` turns the review
log into fsrs-rs's training items the way Anki does, ``optimizer`` fits and evaluates parameters and
``health`` warns about unusual histories; ``simulator`` and ``planner`` predict the reviews, minutes and
recall of the days ahead. fsrs-rs is imported inside functions, so importing this package costs nothing.
"""
