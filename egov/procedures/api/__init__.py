"""Public JSON API of the procedure catalogue: /api/v1/procedures/."""
