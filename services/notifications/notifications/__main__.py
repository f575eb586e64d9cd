import sys

from pydantic import ValidationError

from safeguard_shared.service import run

from .adapters.directory import DirectoryError
from .bootstrap import bootstrap
from .config import load_settings


def main() -> None:
    try:
        settings = load_settings()
        app = bootstrap(settings)
    except DirectoryError as exc:
        # A configuration the service cannot work with stops it before it starts, saying what to fix.
        sys.exit(f"notifications: {exc}")
    except ValidationError as exc:
        # The messages only: pydantic's own text would echo every setting, the SMTP password too.
        sys.exit("notifications: " + "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()))
    run(app, settings)


if __name__ == "__main__":
    main()
