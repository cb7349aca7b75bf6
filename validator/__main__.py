"""``python -m validator``: the same as the ``responses-validator`` command."""

from .cli import main

if __name__ == "__main__":
    main()
