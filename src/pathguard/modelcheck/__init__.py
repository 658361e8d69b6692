"""The model checker of SPEC §5: hazards proved unreachable or shown with a shortest trace.

`pathguard.modelcheck.check.check` runs it (both `pathguard check` and `pathguard analyze` call
it); `system.py` is the transition system, `explicit.py` and `smt/` the engines, `bypass.py`
the bypasses of blocked paths, `limits.py` the limits every run works within.
"""
