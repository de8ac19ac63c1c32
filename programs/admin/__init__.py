from . import ideas, training, waiting  # noqa: F401  (each module registers its ModelAdmins)
