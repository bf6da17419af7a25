"""incidentmap: news articles about attacks -> incidents -> an evidence-backed map.

The stages (see DESIGN.md) are importable on their own; ``geo.pipeline.build``
runs them all.
"""

__version__ = "0.1.0"
