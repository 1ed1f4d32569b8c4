"""Korean text search: analysis, indexing and ranking (knowledge base, past cases, routing)."""
