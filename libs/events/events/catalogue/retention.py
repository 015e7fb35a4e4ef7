"""Events of the retention context (topic ``guichet.retention``). Filled by the retention issue."""
