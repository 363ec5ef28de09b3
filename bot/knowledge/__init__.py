"""The knowledge store: tables, staff file formats, import, export and queries."""
