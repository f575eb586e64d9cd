"""The ``safeguard`` command. It starts services as separate processes and never imports them."""
