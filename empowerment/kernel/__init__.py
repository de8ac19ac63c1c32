"""The kernel: what every layer uses and that imports no app of the project (README, "Layout")."""
