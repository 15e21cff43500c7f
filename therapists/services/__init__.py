"""Writes on the directory, one module per sub-domain: profiles, photos, claims, certifications, scoring."""
