"""What every safeguarding service must agree on, and nothing more.

No module here imports a service: the services depend on this package, never the reverse.
"""
