"""The evals: datasets, scorers, the judge, the runner and its reports, beside the API layer."""
