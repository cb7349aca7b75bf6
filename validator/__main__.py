"""``python -m validator``: the same as the ``responses-validator`` command."""

from validator.cli import main

if __name__ == "__main__":
    main()
