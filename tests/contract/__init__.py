"""The contract suite generated for every adapter tool (new reference systems: systems.py)."""
