"""Quizzes: multiple choice, typed, true-or-false, ordering and numeric questions, graded and recorded.

The kinds are ``QuestionKind`` members; ``GENERATORS`` and ``GRADERS`` map each kind to its generator and
its grader.

Numeric questions draw random parameters from a stored seed and take their ground truth from ``sim``;
``studyapp.quiz.numeric`` (which imports numpy) is loaded only when a quiz is built. Each comes with a
worked solution computed from the same numbers (``studyapp.quiz.worked``), and a wrong number that matches
a known mistake is recorded with its diagnosis; a recurring one offers practice (``studyapp.quiz.practice``).
"""

from studyapp.quiz.generators import GENERATORS
from studyapp.quiz.grading import GRADERS, AnswerError, Grade, grade
from studyapp.quiz.judge import Judgement, Verdict, judge, judge_answer
from studyapp.quiz.questions import KIND_LABELS, KINDS, Question, QuestionKind
from studyapp.quiz.runner import DEFAULT_QUESTIONS, QuizRun, Summary, build_quiz, new_seed, select_cards

__all__ = [
    "DEFAULT_QUESTIONS",
    "GENERATORS",
    "GRADERS",
    "KINDS",
    "KIND_LABELS",
    "AnswerError",
    "Grade",
    "Judgement",
    "Question",
    "QuestionKind",
    "QuizRun",
    "Summary",
    "Verdict",
    "build_quiz",
    "grade",
    "judge",
    "judge_answer",
    "new_seed",
    "select_cards",
]
