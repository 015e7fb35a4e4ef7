"""Intake adapters: projection tables and their migrations, repositories, unit of work, read views."""
