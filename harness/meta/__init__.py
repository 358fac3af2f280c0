"""Meta-evaluation: how well each metric of a run agrees with human ratings."""
