"""Entry point of the frozen terminal (PyInstaller runs this file)."""

import sys

from ui.main import main

if __name__ == "__main__":
    sys.exit(main())
