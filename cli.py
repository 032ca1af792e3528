"""Run the command line from a checkout without installing: `python cli.py check …`.

The command line itself is `compliance.cli` (installed as the `compliance` console script and
as `python -m compliance`); this file is not installed.
"""

from compliance.cli import main

if __name__ == "__main__":
    main()
