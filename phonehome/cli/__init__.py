"""The command line: click commands by group, a thin layer over the library (`main.py` lists them)."""
