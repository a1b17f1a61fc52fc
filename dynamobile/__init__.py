"""Dynamobile: plan and record the tours of La Dynamo's outreach vehicle."""

__version__ = "0.1.0"
