"""Screening: one record in, flags and a risk out; whole files with deduplication, workers and resume.

``engine.py`` screens records, ``run.py`` whole files, ``columnar/`` the fast path for CSV and
Parquet, ``flags.py`` words a name hit as a flag, and ``policy.py`` decides every severity and a
row's risk. The package imports none of them itself, so that the name matcher can read its
thresholds from ``policy.py`` without loading the screening engine.
"""
