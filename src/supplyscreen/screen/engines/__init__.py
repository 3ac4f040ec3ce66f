"""Screening engines beside the local one: ``spark`` runs the same screening on Apache Spark."""
