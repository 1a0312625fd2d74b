"""Import and export of the procedure catalogue in the national shape (JSON and XLSX)."""
