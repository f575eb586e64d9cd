"""``python -m audits.importer FILE``: see audits.entrypoints.importer."""
import sys

from .entrypoints.importer import main

if __name__ == "__main__":
    sys.exit(main())
