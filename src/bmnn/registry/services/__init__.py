"""Every state change of the registry, one module per part of the lifecycle.

classification  drafter's proposal → competent person's decision (the level is set)
outgoing        outgoing register and issued copies
incoming        incoming register, named-addressee envelopes, receipt anomalies
copying         copy / extract / photo orders and the copy register
delivery        delivery (transfer register, envelopes) and internal hand-over
access          explicit need-to-know grants
takeout         taking out of storage and the return
provision       provision to Vietnamese and foreign parties
lifecycle       extension, adjustment, councils, declassification, destruction, notices
recall          recall notices and returns
departure       a person's departure: recall of their custody, commitment, closing
stocktake       stocktake against the register; missing copies draft a loss incident

Each function validates, checks the rulebook, writes, and records its ledger event in one
transaction. Refusals raise bmnn.web.errors.Refused with the rule's citation; a caller without
the duty raises PermissionDenied; malformed input raises ValidationError.
"""
