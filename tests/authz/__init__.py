"""The authorization walk, split by area; see common.py."""
