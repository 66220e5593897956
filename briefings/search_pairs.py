"""
The phrase index: per briefing, every pair of neighbouring lexemes any of its search
documents holds, hashed to integers (PostgreSQL only; written by briefings.search.postgres).

A quoted phrase is narrowed to the briefings whose pairs include all of its own, through
one GIN index, before PostgreSQL checks the phrase's positions in the reader's own search
document. It only narrows: the reader's document (members.access decides what it holds)
still decides every match, so pairs from gated text can never find a briefing for a reader
without the tier. One row per briefing instead of one per audience, and four-byte
integers instead of text, made an import's pairs index entries 2.3 times fewer and
merging them into the index about half as slow (docs/performance.md).
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models


class SearchPairs(models.Model):
    """
    `pairs`: `hashtext(lexeme || ' ' || next lexeme)` for each pair of lexemes that stand
    next to each other in any of the briefing's search documents' vectors, distinct (see
    the SQL function `briefings_pair_hashes`, migration 0019). Derived data, rebuilt
    with the search documents.
    """

    briefing = models.OneToOneField(
        "briefings.Briefing", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    pairs = ArrayField(models.IntegerField(), default=list, editable=False)

    class Meta:
        app_label = "briefings"

    def __str__(self):
        return f"{self.briefing_id}: {len(self.pairs)} pairs"
