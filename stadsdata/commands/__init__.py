"""Sub-commands of the `stadsdata` command, one module per group."""
