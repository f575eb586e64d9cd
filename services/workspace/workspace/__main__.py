from safeguard_shared.service import run

from .bootstrap import bootstrap
from .config import load_settings


def main() -> None:
    settings = load_settings()
    run(bootstrap(settings), settings)


if __name__ == "__main__":
    main()
