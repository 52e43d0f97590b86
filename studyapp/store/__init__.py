"""The collection's storage: one SQLite file, and the only package that runs SQL.

Split by concern: ``base`` (the connection, write transactions, SQLite's errors as domain errors,
metadata and settings), ``cards`` (card records and reconciliation with the decks), ``deck_order``
(whole decks moved among the decks), ``reviews`` (the review log and quiz attempts), ``bulk`` (review
history and card states written in bulk), ``predictions`` (predictions and drill answers), ``queue``
(the study queue's queries), ``statistics`` (aggregates) and ``export`` (whole-collection reads and
writes).
``Store`` is all of them on one connection.
The hot paths (open, reconcile, queue queries, a rating) use plain SQL on the stdlib connection;
``database()`` gives a sqlite-utils view (imported lazily: it pulls in numpy) for bulk work.
"""

from __future__ import annotations

from studyapp.errors import (
    CollectionBusy,
    CollectionDamaged,
    CollectionError,
    CollectionMissing,
    CollectionNewer,
    CollectionReadOnly,
    CollectionWriteFailed,
)
from studyapp.store.base import BUSY_TIMEOUT_MS, LIBRARY_FINGERPRINT
from studyapp.store.bulk import CardHistoryRows, ReviewRow
from studyapp.store.deck_cache import CacheHeader, DeckCacheStore
from studyapp.store.export import ExportQueries, copy_collection
from studyapp.store.merge import MergeWrites
from studyapp.store.predictions import PredictionLog
from studyapp.store.queue import CardFilter, QueueQueries
from studyapp.store.reviews import ReviewLog
from studyapp.store.search import SearchQueries
from studyapp.store.statistics import StatisticsQueries
from studyapp.store.text_index import TEXT_FINGERPRINT, BrowseRecord, TextIndex

__all__ = [
    "BUSY_TIMEOUT_MS",
    "LIBRARY_FINGERPRINT",
    "TEXT_FINGERPRINT",
    "BrowseRecord",
    "CacheHeader",
    "CardFilter",
    "CardHistoryRows",
    "CollectionBusy",
    "CollectionDamaged",
    "CollectionError",
    "CollectionMissing",
    "CollectionNewer",
    "CollectionReadOnly",
    "CollectionWriteFailed",
    "ReviewRow",
    "Store",
    "copy_collection",
]


class Store(
    ReviewLog,
    QueueQueries,
    StatisticsQueries,
    ExportQueries,
    SearchQueries,
    MergeWrites,
    PredictionLog,
    DeckCacheStore,
    TextIndex,
):
    """An open collection. Use ``Store.open(path)``; close it (or use ``with``) when done."""
