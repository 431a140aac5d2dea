#!/usr/bin/env python
"""Django's usual entry point; `torget` (torget/__main__.py) is the same with hyphenated names."""

from torget.__main__ import main

if __name__ == "__main__":
    main()
