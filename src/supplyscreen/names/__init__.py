"""The matching engine: normalise names, retrieve candidates, score and explain."""

from supplyscreen.names.matcher import MATCH_THRESHOLD, REVIEW_THRESHOLD, Comparison, Matcher, QueryError

__all__ = ["MATCH_THRESHOLD", "REVIEW_THRESHOLD", "Comparison", "Matcher", "QueryError"]
