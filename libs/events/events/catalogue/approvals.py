"""Events of the approvals context (topic ``guichet.approvals``). Filled by the approvals issue."""
