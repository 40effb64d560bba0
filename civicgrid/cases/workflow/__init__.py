"""Workflow tables: plain Python, no Django. See ``engine.py`` for the vocabulary."""
