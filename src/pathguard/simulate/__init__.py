"""The simulator: a policy validated on simulated agent sessions before deployment.

`pathguard simulate` runs benign, noisy, misaligned and replayed agents through
the real runtime `Guard` (hence `decide()`) on a simulated clock and reports
what the policy costs (friction, approvals) and what it catches.
"""
