from . import ideas, training  # noqa: F401  (each module registers its ModelAdmins)
