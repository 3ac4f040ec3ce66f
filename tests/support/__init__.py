"""Test support: helpers the tests import (``from support.tabular import write_csv``) and the generator
of the purchase files the columnar, prefilter and Spark tests and the benchmarks screen."""
