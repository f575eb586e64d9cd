"""The reporting service: read models built only from events; figures, exports and the dashboard."""
