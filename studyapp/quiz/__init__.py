"""Quizzes: multiple choice, typed, true-or-false, ordering and numeric questions, graded and recorded.

Numeric questions draw random parameters from a stored seed and take their ground truth from ``sim``;
``studyapp.quiz.numeric`` (which imports numpy) is loaded only when a quiz is built.
"""

from studyapp.quiz.grading import AnswerError, Grade, grade
from studyapp.quiz.questions import KIND_LABELS, KINDS, Question
from studyapp.quiz.runner import DEFAULT_QUESTIONS, QuizRun, Summary, build_quiz, new_seed, select_cards

__all__ = [
    "DEFAULT_QUESTIONS",
    "KINDS",
    "KIND_LABELS",
    "AnswerError",
    "Grade",
    "Question",
    "QuizRun",
    "Summary",
    "build_quiz",
    "grade",
    "new_seed",
    "select_cards",
]
