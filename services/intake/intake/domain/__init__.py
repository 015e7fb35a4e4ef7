"""Pure intake rules: vocabulary, priority, lifecycle, queue, customer checks, duplicates."""
