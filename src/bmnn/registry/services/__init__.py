"""Every state change of the registry, one module per part of the lifecycle.

classification  drafter's proposal → competent person's decision (the level is set)
outgoing        outgoing register and issued copies
Each function validates, checks the rulebook, writes, and records its ledger event in one
transaction. Refusals raise bmnn.web.errors.Refused with the rule's citation; a caller without
the duty raises PermissionDenied; malformed input raises ValidationError.
"""
